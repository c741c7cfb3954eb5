import { Module } from '@nestjs/common';
import { redisOrMemory } from '../../libs/redis';
import { DonationAlertsModule } from '../donation-alerts';
import { DonationsModule } from '../donations';
import { OAuthModule } from '../oauth';
import { StreamersModule } from '../streamers';
import { DonationAlertsScheduler } from './donation-alerts-scheduler';
import { DonationPoller } from './donation-poller';
import { MemoryPollSchedule, PollSchedule, RedisPollSchedule } from './poll-schedule';
import { MemoryPollStateStore, PollStateStore, RedisPollStateStore } from './poll-state.store';
import { SchedulerMembership } from './scheduler-membership';
import { SchedulerStatsService } from './scheduler-stats.service';
import { SchedulerController } from './scheduler.controller';
import { SchedulerMetrics } from './scheduler.metrics';

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
    DonationPoller,
    DonationAlertsScheduler,
    SchedulerStatsService,
    SchedulerMetrics,
    SchedulerMembership,
  ],
  exports: [DonationAlertsScheduler, SchedulerMembership],
})
export class SchedulerModule {}
