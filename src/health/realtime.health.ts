import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { RealtimeService } from '../realtime';

/**
 * Realtime sockets: how many of the cluster's are connected, and this instance's share. Informational: a socket
 * down means its streamer is polled, so it never fails the check.
 */
@Injectable()
export class RealtimeHealthIndicator {
  constructor(
    private readonly realtime: RealtimeService,
    private readonly health: HealthIndicatorService,
  ) {}

  async check(): Promise<HealthIndicatorResult<'realtime'>> {
    const indicator = this.health.check('realtime');
    if (!this.realtime.settings.enabled) {
      return indicator.up({ enabled: false });
    }
    const states = (await this.realtime.states()).filter((state) => state.owner !== null);
    return indicator.up({
      enabled: true,
      connected: states.filter((state) => state.status === 'connected').length,
      total: states.length,
      ownedHere: this.realtime.ownership.owned().length,
    });
  }
}
