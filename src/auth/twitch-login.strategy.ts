import type { Request } from 'express';
import type { StateStore, VerifyCallback } from 'passport-oauth2';
import { Strategy as TwitchStrategy } from 'passport-twitch-new';
import type { TwitchConfig } from '../../config';
import type { TwitchApiClient, TwitchUser } from '../twitch';
import type { OnboardingService } from './onboarding.service';
import type { OAuthStateStore } from './oauth-state.store';
import type { SessionService } from '../sessions';

type Done<T> = (error: Error | null, value?: T | false, info?: unknown) => void;

/**
 * passport-oauth2's custom state store contract, on top of OAuthStateStore (shared by all instances). The state
 * is also bound to the browser that started the login, so a callback URL replayed in another browser fails.
 */
function passportStateStore(states: OAuthStateStore, sessions: SessionService): StateStore {
  return {
    store: (req: Request, _meta: unknown, done: (error: Error | null, state?: string) => void) => {
      const browser = sessions.bindLogin(req.res!);
      states.issue({ flow: 'twitch-login', browser }).then(
        (state) => done(null, state),
        (error: Error) => done(error),
      );
    },
    verify: (req: Request, state: string, _meta: unknown, done: Done<boolean>) => {
      const browser = sessions.loginBinding(req);
      states.consume(state).then(
        (payload) =>
          done(null, payload?.flow === 'twitch-login' && browser !== null && payload.browser === browser, {
            message: 'login expired',
          }),
        (error: Error) => done(error),
      );
    },
  } as unknown as StateStore;
}

/**
 * "Log in with Twitch" through passport-twitch-new, pointed at the configured Twitch hosts. The package
 * hard-codes Helix's address for the profile, so `userProfile` goes through TwitchApiClient instead.
 */
export class TwitchLoginStrategy extends TwitchStrategy {
  constructor(
    config: TwitchConfig,
    callbackURL: string,
    states: OAuthStateStore,
    sessions: SessionService,
    private readonly twitch: TwitchApiClient,
    onboarding: OnboardingService,
  ) {
    super(
      {
        clientID: config.clientId!,
        clientSecret: config.clientSecret!,
        callbackURL,
        authorizationURL: `${config.authBaseUrl}/oauth2/authorize`,
        tokenURL: `${config.authBaseUrl}/oauth2/token`,
        scope: config.scopes,
        scopeSeparator: ' ',
        store: passportStateStore(states, sessions),
      },
      (
        accessToken: string,
        refreshToken: string,
        params: { expires_in?: number; scope?: string[] | string },
        user: TwitchUser,
        verified: VerifyCallback,
      ) => {
        const scopes = Array.isArray(params.scope)
          ? params.scope
          : (params.scope ?? '').split(' ').filter(Boolean);
        const tokens = twitch.toTokenSet({
          access_token: accessToken,
          refresh_token: refreshToken,
          expires_in: params.expires_in,
        });
        onboarding.completeTwitchLogin(user, tokens, scopes).then(
          (streamer) => verified(null, streamer),
          (error: Error) => verified(error),
        );
      },
    );
  }

  override userProfile(accessToken: string, done: (error: Error | null, profile?: TwitchUser) => void): void {
    this.twitch.currentUser(accessToken).then(
      (user) => done(null, user),
      (error: Error) => done(error),
    );
  }
}
