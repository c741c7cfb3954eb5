import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { BotsService } from '../bots';

/**
 * Chat bots: how many of the cluster's run (by status) against how many are wanted, and this instance's share.
 * Informational: a bot down never takes the service out of the load balancer.
 */
@Injectable()
export class BotsHealthIndicator {
  constructor(
    private readonly bots: BotsService,
    private readonly health: HealthIndicatorService,
  ) {}

  async check(): Promise<HealthIndicatorResult<'bots'>> {
    const indicator = this.health.check('bots');
    if (!this.bots.settings.enabled) {
      return indicator.up({ enabled: false });
    }
    const [states, wanted] = await Promise.all([this.bots.states(), this.bots.wantedCount()]);
    const running = states.filter((state) => state.owner !== null);
    const byStatus: Record<string, number> = {};
    running.forEach(({ status }) => (byStatus[status] = (byStatus[status] ?? 0) + 1));
    return indicator.up({
      enabled: true,
      active: running.length,
      wanted,
      byStatus,
      ownedHere: this.bots.ownership.owned().length,
    });
  }
}
