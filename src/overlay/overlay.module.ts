import { Module } from '@nestjs/common';
import { getConfigToken } from '@nestjs/config';
import type { OverlayConfig } from '../../config';
import { Clock } from '../../libs/clock';
import { redisOrMemory } from '../../libs/redis';
import { AlertsModule } from '../alerts';
import { SessionsModule } from '../sessions';
import { DonationsModule } from '../donations';
import { OAuthModule } from '../oauth';
import { StreamersModule } from '../streamers';
import { TwitchModule } from '../twitch';
import { AvatarCache, MemoryAvatarCache, RedisAvatarCache } from './avatar-cache';
import { AvatarChatListener } from './avatar-chat.listener';
import { AvatarLookup } from './avatar-lookup';
import { AvatarWall } from './avatar-wall.service';
import { AvatarWallStore, MemoryAvatarWallStore, RedisAvatarWallStore } from './avatar-wall.store';
import { AdminOverlayController } from './admin-overlay.controller';
import { AlertSettingsListener } from './alert-settings.listener';
import { AnnouncedDonations, MemoryAnnouncedDonations, RedisAnnouncedDonations } from './announced-donations';
import { MemoryOverlayEventLog } from './memory-overlay-event-log';
import { OverlayApiController } from './overlay-api.controller';
import { OverlayDonationListener } from './overlay-donation.listener';
import { OverlayEventLog } from './overlay-event-log';
import { OverlayMediaController } from './overlay-media.controller';
import { OverlayStreams } from './overlay-streams.service';
import { OverlayTtsController } from './overlay-tts.controller';
import { OverlayController } from './overlay.controller';
import { OverlayControls } from './overlay-controls.service';
import { OverlayMetrics } from './overlay.metrics';
import { RedisOverlayEventLog } from './redis-overlay-event-log';
import { TestAlerts } from './test-alerts.service';

/**
 * The OBS overlay pages (alerts, and the avatar wall of viewers who write in chat) and their SSE stream, its
 * per-streamer event history, test alerts, token rotation, and each alert's text-to-speech clip.
 */
@Module({
  imports: [StreamersModule, DonationsModule, SessionsModule, OAuthModule, TwitchModule, AlertsModule],
  controllers: [
    OverlayController,
    OverlayTtsController,
    OverlayApiController,
    AdminOverlayController,
    OverlayMediaController,
  ],
  providers: [
    OverlayControls,
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
    redisOrMemory<AvatarWallStore>(AvatarWallStore, {
      redis: (redis) => new RedisAvatarWallStore(redis),
      memory: () => new MemoryAvatarWallStore(),
    }),
    redisOrMemory<AvatarCache, [Clock]>(AvatarCache, {
      redis: (redis) => new RedisAvatarCache(redis),
      memory: (clock) => new MemoryAvatarCache(clock),
      inject: [Clock],
    }),
    OverlayStreams,
    OverlayMetrics,
    OverlayDonationListener,
    AlertSettingsListener,
    TestAlerts,
    AvatarLookup,
    AvatarWall,
    AvatarChatListener,
  ],
  exports: [OverlayEventLog, OverlayStreams, AvatarWall],
})
export class OverlayModule {}
