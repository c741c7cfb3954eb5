import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../../config';
import { TwitchApiClient } from '../twitch/twitch-api.client';
import { OAuthStateStore } from './oauth-state.store';
import { OnboardingService } from './onboarding.service';
import { SessionService } from './session.service';
import { TwitchLoginStrategy } from './twitch-login.strategy';

/** The Twitch login strategy, or null (with a warning) while TWITCH_CLIENT_ID is not set. */
@Injectable()
export class TwitchLogin {
  readonly strategy: TwitchLoginStrategy | null;

  constructor(
    config: ConfigService<AllConfig, true>,
    states: OAuthStateStore,
    sessions: SessionService,
    twitch: TwitchApiClient,
    onboarding: OnboardingService,
  ) {
    const settings = config.get('twitch', { infer: true });
    if (!settings.clientId) {
      new Logger(TwitchLogin.name).warn('TWITCH_CLIENT_ID is not set: Twitch login is disabled');
      this.strategy = null;
      return;
    }
    const callbackUrl = `${config.get('app.publicUrl', { infer: true })}/auth/twitch/callback`;
    this.strategy = new TwitchLoginStrategy(settings, callbackUrl, states, sessions, twitch, onboarding);
  }
}
