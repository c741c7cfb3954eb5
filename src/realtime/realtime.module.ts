import { Module } from '@nestjs/common';
import { redisOrMemory } from '../../libs/redis';
import { DonationAlertsModule } from '../donation-alerts';
import { DonationsModule } from '../donations';
import { OAuthModule } from '../oauth';
import {
  MemoryRealtimeActivityStore,
  RealtimeActivityStore,
  RedisRealtimeActivityStore,
} from './realtime-activity.store';
import { RealtimeStatsService } from './realtime-stats.service';
import { RealtimeController } from './realtime.controller';
import { RealtimeMetrics } from './realtime.metrics';
import { RealtimeService } from './realtime.service';

/** DonationAlerts' realtime push: one Centrifugo socket per connected streamer, owned by one instance. */
@Module({
  imports: [DonationAlertsModule, DonationsModule, OAuthModule],
  controllers: [RealtimeController],
  providers: [
    redisOrMemory<RealtimeActivityStore>(RealtimeActivityStore, {
      redis: (redis) => new RedisRealtimeActivityStore(redis),
      memory: () => new MemoryRealtimeActivityStore(),
    }),
    RealtimeMetrics,
    RealtimeService,
    RealtimeStatsService,
  ],
  exports: [RealtimeService, RealtimeStatsService],
})
export class RealtimeModule {}
