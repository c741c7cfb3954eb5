import { Injectable, Logger } from '@nestjs/common';
import { Passport } from 'passport';
import { InjectConfig, type AppConfig, type TwitchConfig } from '../../config';
import { TwitchApiClient } from '../twitch';
import { OAuthStateStore } from './oauth-state.store';
import { OnboardingService } from './onboarding.service';
import { SessionService } from '../sessions';
import { TwitchLoginStrategy } from './twitch-login.strategy';

/**
 * The Twitch login, or null (with a warning) while TWITCH_CLIENT_ID is not set. The strategy is registered by
 * name on a private Passport instance: passport then gives each request its own copy, whereas a strategy
 * object handed to `authenticate` directly is shared, and concurrent callbacks would answer each other.
 */
@Injectable()
export class TwitchLogin {
  static readonly STRATEGY = 'twitch-login';
  readonly passport: InstanceType<typeof Passport> | null;

  constructor(
    @InjectConfig('twitch') settings: TwitchConfig,
    @InjectConfig('app') app: AppConfig,
    states: OAuthStateStore,
    sessions: SessionService,
    twitch: TwitchApiClient,
    onboarding: OnboardingService,
  ) {
    if (!settings.clientId) {
      new Logger(TwitchLogin.name).warn('TWITCH_CLIENT_ID is not set: Twitch login is disabled');
      this.passport = null;
      return;
    }
    const callbackUrl = `${app.publicUrl}/auth/twitch/callback`;
    const authenticator = new Passport();
    authenticator.use(
      TwitchLogin.STRATEGY,
      new TwitchLoginStrategy(settings, callbackUrl, states, sessions, twitch, onboarding),
    );
    this.passport = authenticator;
  }
}
