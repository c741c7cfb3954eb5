import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Clock } from '../../libs/clock';
import { redisOrMemory } from '../../libs/redis';
import { DonationAlertsModule } from '../donation-alerts/donation-alerts.module';
import { DonationsModule } from '../donations/donations.module';
import { OAuthModule } from '../oauth/oauth.module';
import { StreamersModule } from '../streamers/streamers.module';
import { TwitchApiClient } from '../twitch/twitch-api.client';
import { PagesController } from '../web/pages.controller';
import { AuthController } from './auth.controller';
import { DonationAlertsConnectController } from './donation-alerts-connect.controller';
import { MemoryOAuthStateStore, OAuthStateStore, RedisOAuthStateStore } from './oauth-state.store';
import { OnboardingService } from './onboarding.service';
import { SameOriginGuard } from './same-origin.guard';
import { SessionService } from './session.service';
import { TwitchLogin } from './twitch-login.provider';
import { TwitchTokenValidator } from './twitch-token-validator';

/** Streamer onboarding: Twitch login, sessions, connecting DonationAlerts, and the pages around them. */
@Module({
  imports: [StreamersModule, OAuthModule, DonationAlertsModule, DonationsModule],
  controllers: [AuthController, DonationAlertsConnectController, PagesController],
  providers: [
    redisOrMemory<OAuthStateStore, [Clock]>(OAuthStateStore, {
      redis: (redis) => new RedisOAuthStateStore(redis),
      memory: (clock) => new MemoryOAuthStateStore(clock),
      inject: [Clock],
    }),
    SessionService,
    { provide: APP_GUARD, useClass: SameOriginGuard },
    TwitchApiClient,
    OnboardingService,
    TwitchLogin,
    TwitchTokenValidator,
  ],
  exports: [SessionService, TwitchApiClient, TwitchTokenValidator],
})
export class AuthModule {}
