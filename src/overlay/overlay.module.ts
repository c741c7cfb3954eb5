import { Module } from '@nestjs/common';
import { getConfigToken } from '@nestjs/config';
import type { OverlayConfig } from '../../config';
import { Clock } from '../../libs/clock';
import { redisOrMemory } from '../../libs/redis';
import { SessionsModule } from '../sessions';
import { DonationsModule } from '../donations';
import { StreamersModule } from '../streamers';
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
  imports: [StreamersModule, DonationsModule, SessionsModule],
  controllers: [OverlayController, OverlayApiController, AdminOverlayController],
  providers: [
    redisOrMemory<OverlayEventLog, [OverlayConfig, Clock]>(OverlayEventLog, {
      redis: (redis, overlay) => new RedisOverlayEventLog(redis, overlay),
      memory: (overlay, clock) => new MemoryOverlayEventLog(overlay, clock),
      inject: [getConfigToken('overlay'), Clock],
    }),
    redisOrMemory<AnnouncedDonations, [Clock]>(AnnouncedDonations, {
      redis: (redis) => new RedisAnnouncedDonations(redis),
      memory: (clock) => new MemoryAnnouncedDonations(clock),
      inject: [Clock],
    }),
    OverlayStreams,
    OverlayMetrics,
    OverlayDonationListener,
    TestAlerts,
  ],
  exports: [OverlayEventLog, OverlayStreams],
})
export class OverlayModule {}
