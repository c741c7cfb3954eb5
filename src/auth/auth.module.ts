import { Module } from '@nestjs/common';
import { Clock } from '../../libs/clock';
import { redisOrMemory } from '../../libs/redis';
import { DonationAlertsModule } from '../donation-alerts';
import { DonationsModule } from '../donations';
import { OAuthModule } from '../oauth';
import { StreamersModule } from '../streamers';
import { SessionsModule } from '../sessions';
import { TwitchModule } from '../twitch';
import { AuthController } from './auth.controller';
import { DonationAlertsConnectController } from './donation-alerts-connect.controller';
import { MemoryOAuthStateStore, OAuthStateStore, RedisOAuthStateStore } from './oauth-state.store';
import { OnboardingService } from './onboarding.service';
import { TwitchLogin } from './twitch-login.provider';
import { TwitchTokenValidator } from './twitch-token-validator';

/** Streamer onboarding: Twitch login, connecting DonationAlerts, and the hourly Twitch token validation. */
@Module({
  imports: [
    StreamersModule,
    OAuthModule,
    DonationAlertsModule,
    DonationsModule,
    SessionsModule,
    TwitchModule,
  ],
  controllers: [AuthController, DonationAlertsConnectController],
  providers: [
    redisOrMemory<OAuthStateStore, [Clock]>(OAuthStateStore, {
      redis: (redis) => new RedisOAuthStateStore(redis),
      memory: (clock) => new MemoryOAuthStateStore(clock),
      inject: [Clock],
    }),
    OnboardingService,
    TwitchLogin,
    TwitchTokenValidator,
  ],
  exports: [TwitchLogin, TwitchTokenValidator],
})
export class AuthModule {}
