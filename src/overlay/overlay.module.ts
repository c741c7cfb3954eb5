import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../../config';
import { Clock } from '../../libs/clock';
import { RedisConnection } from '../../libs/redis';
import { AuthModule } from '../auth/auth.module';
import { DonationsModule } from '../donations/donations.module';
import { StreamersModule } from '../streamers/streamers.module';
import { AdminOverlayController } from './admin-overlay.controller';
import { AnnouncedDonations, MemoryAnnouncedDonations, RedisAnnouncedDonations } from './announced-donations';
import { MemoryOverlayEventLog } from './memory-overlay-event-log';
import { OverlayApiController } from './overlay-api.controller';
import { OverlayDonationListener } from './overlay-donation.listener';
import { OverlayEventLog } from './overlay-event-log';
import { OverlayStreams } from './overlay-streams.service';
import { OverlayController } from './overlay.controller';
import { OverlayMetrics } from './overlay.metrics';
import { RedisOverlayEventLog } from './redis-overlay-event-log';
import { TestAlerts } from './test-alerts.service';

/** The OBS overlay page and its SSE stream, its per-streamer event history, test alerts and token rotation. */
@Module({
  imports: [StreamersModule, DonationsModule, AuthModule],
  controllers: [OverlayController, OverlayApiController, AdminOverlayController],
  providers: [
    {
      provide: OverlayEventLog,
      inject: [RedisConnection, ConfigService, Clock],
      useFactory: (redis: RedisConnection, config: ConfigService<AllConfig, true>, clock: Clock) => {
        const overlay = config.get('overlay', { infer: true });
        return redis.client
          ? new RedisOverlayEventLog(redis, overlay)
          : new MemoryOverlayEventLog(overlay, clock);
      },
    },
    {
      provide: AnnouncedDonations,
      inject: [RedisConnection, Clock],
      useFactory: (redis: RedisConnection, clock: Clock) =>
        redis.client ? new RedisAnnouncedDonations(redis) : new MemoryAnnouncedDonations(clock),
    },
    OverlayStreams,
    OverlayMetrics,
    OverlayDonationListener,
    TestAlerts,
  ],
  exports: [OverlayEventLog, OverlayStreams],
})
export class OverlayModule {}
