import { Injectable, Module } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { redisOrMemory } from '../../libs/redis';
import { DonationAlertsModule } from '../donation-alerts/donation-alerts.module';
import { DonationsModule } from '../donations/donations.module';
import { OAuthCredentialsRepository } from '../oauth/oauth-credentials.repository';
import { OAuthModule } from '../oauth/oauth.module';
import { OnboardingEvents } from '../streamers/streamers.events';
import { StreamersModule } from '../streamers/streamers.module';
import { DonationAlertsScheduler } from './donation-alerts-scheduler';
import { DonationPoller } from './donation-poller';
import { PollBudget } from './poll-budget';
import { MemoryPollSchedule, PollSchedule, RedisPollSchedule } from './poll-schedule';
import { MemoryPollStateStore, PollStateStore, RedisPollStateStore } from './poll-state.store';
import { SchedulerStatsService } from './scheduler-stats.service';
import { SchedulerController } from './scheduler.controller';
import { SchedulerMetrics } from './scheduler.metrics';
import {
  MemorySlidingWindowLimiter,
  RedisSlidingWindowLimiter,
  SlidingWindowLimiter,
} from './sliding-window.limiter';

/** Keeps the schedule in step with DonationAlerts connections. */
@Injectable()
export class SchedulerMembership {
  constructor(
    private readonly scheduler: DonationAlertsScheduler,
    private readonly credentials: OAuthCredentialsRepository,
  ) {}

  @OnEvent(OnboardingEvents.donationAlertsConnected, { promisify: true })
  onConnected(streamerId: string): Promise<void> {
    return this.scheduler.add(streamerId);
  }

  @OnEvent(OnboardingEvents.donationAlertsDisconnected, { promisify: true })
  onDisconnected(streamerId: string): Promise<void> {
    return this.scheduler.remove(streamerId, 'DonationAlerts disconnected');
  }

  /** Adds every streamer with a working DonationAlerts connection and drops the rest (run by the leader). */
  async reconcile(): Promise<{ added: number; removed: number }> {
    const connected = new Set(await this.credentials.listActiveStreamerIds('donationalerts'));
    const scheduled = await this.scheduler.scheduledIds();
    let removed = 0;
    for (const streamerId of scheduled.filter((id) => !connected.has(id))) {
      await this.scheduler.remove(streamerId, 'no working DonationAlerts connection');
      removed += 1;
    }
    const known = new Set(scheduled);
    const missing = [...connected].filter((id) => !known.has(id));
    for (const streamerId of missing) {
      await this.scheduler.add(streamerId);
    }
    return { added: missing.length, removed };
  }
}

@Module({
  imports: [DonationAlertsModule, DonationsModule, OAuthModule, StreamersModule],
  controllers: [SchedulerController],
  providers: [
    redisOrMemory<PollSchedule>(PollSchedule, {
      redis: (redis) => new RedisPollSchedule(redis),
      memory: () => new MemoryPollSchedule(),
    }),
    redisOrMemory<PollStateStore>(PollStateStore, {
      redis: (redis) => new RedisPollStateStore(redis),
      memory: () => new MemoryPollStateStore(),
    }),
    redisOrMemory<SlidingWindowLimiter>(SlidingWindowLimiter, {
      redis: (redis) => new RedisSlidingWindowLimiter(redis),
      memory: () => new MemorySlidingWindowLimiter(),
    }),
    PollBudget,
    DonationPoller,
    DonationAlertsScheduler,
    SchedulerStatsService,
    SchedulerMetrics,
    SchedulerMembership,
  ],
  exports: [DonationAlertsScheduler, SchedulerMembership],
})
export class SchedulerModule {}
