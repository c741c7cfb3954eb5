import { Module } from '@nestjs/common';
import { getConfigToken } from '@nestjs/config';
import type { BotsConfig } from '../../config';
import {
  MemorySlidingWindowLimiter,
  RedisSlidingWindowLimiter,
  SlidingWindowLimiter,
} from '../../libs/rate-limit';
import { redisOrMemory } from '../../libs/redis';
import { AlertsModule } from '../alerts';
import { DonationAlertsModule } from '../donation-alerts';
import { DonationsModule } from '../donations';
import { OAuthModule } from '../oauth';
import { SessionsModule } from '../sessions';
import { StreamersModule } from '../streamers';
import { TwitchModule } from '../twitch';
import { BotCountersStore, MemoryBotCountersStore, RedisBotCountersStore } from './bot-counters.store';
import { BotIdentities } from './bot-identities';
import { BotSettingsController } from './bot-settings.controller';
import { BotViews } from './bot-views.service';
import { BotsAdminController } from './bots-admin.controller';
import { BotsMetrics } from './bots.metrics';
import { BotsRepository } from './bots.repository';
import { BotsService } from './bots.service';
import { ChatLimits } from './chat-limits';
import { ChatTransportFactory } from './chat/chat-transport';
import { DEFAULT_IRC_WS_TIMINGS, IrcWsTransportFactory } from './chat/irc-ws-transport';
import { DonationPageLinks } from './donation-page-links';
import { TypeOrmBotsRepository } from './typeorm-bots.repository';

/** Twitch chat over IRC-over-WebSocket at TWITCH_CHAT_URL, with the bots' keepalive settings. */
function chatTransports(settings: BotsConfig): ChatTransportFactory {
  return new IrcWsTransportFactory(settings.chatUrl, {
    ...DEFAULT_IRC_WS_TIMINGS,
    idlePingMs: settings.pingMs,
    pongTimeoutMs: settings.pongTimeoutMs,
  });
}

/** One chat bot per streamer across the cluster: thanks donors once, answers !donate, reads viewers' lines. */
@Module({
  imports: [
    AlertsModule,
    DonationAlertsModule,
    DonationsModule,
    OAuthModule,
    SessionsModule,
    StreamersModule,
    TwitchModule,
  ],
  controllers: [BotSettingsController, BotsAdminController],
  providers: [
    { provide: BotsRepository, useClass: TypeOrmBotsRepository },
    redisOrMemory<BotCountersStore>(BotCountersStore, {
      redis: (redis) => new RedisBotCountersStore(redis),
      memory: () => new MemoryBotCountersStore(),
    }),
    redisOrMemory<SlidingWindowLimiter>(SlidingWindowLimiter, {
      redis: (redis) => new RedisSlidingWindowLimiter(redis),
      memory: () => new MemorySlidingWindowLimiter(),
    }),
    {
      provide: ChatTransportFactory,
      useFactory: chatTransports,
      inject: [getConfigToken('bots')],
    },
    BotIdentities,
    BotsMetrics,
    BotsService,
    BotViews,
    ChatLimits,
    DonationPageLinks,
  ],
  exports: [BotsService, BotViews],
})
export class BotsModule {}
