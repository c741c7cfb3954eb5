import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { InjectConfig, type AppConfig } from '../../config';
import { EventBus } from '../../libs/event-bus';
import { LeaderService, LockProvider } from '../../libs/locks';

/** This instance's place in the cluster: identity, leadership, and which backends locks and events use. */
@Injectable()
export class ClusterHealthIndicator {
  private readonly instanceId: string;

  constructor(
    private readonly leader: LeaderService,
    private readonly locks: LockProvider,
    private readonly bus: EventBus,
    private readonly health: HealthIndicatorService,
    @InjectConfig('app') app: AppConfig,
  ) {
    this.instanceId = app.instanceId;
  }

  check(): HealthIndicatorResult<'cluster'> {
    return this.health.check('cluster').up({
      instanceId: this.instanceId,
      leader: this.leader.isLeader(),
      leaderEpoch: this.leader.epoch(),
      locks: this.locks.backend,
      events: this.bus.transport,
    });
  }
}
