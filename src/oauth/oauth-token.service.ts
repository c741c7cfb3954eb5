import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../../libs/clock';
import { LockKeys, LockProvider } from '../../libs/locks';
import { OutboundHttpError } from '../common';
import { StreamersRepository } from '../streamers';
import type { OAuthProvider } from './entities/oauth-credential.entity';
import { NotConnectedError, ReauthRequiredError, RefreshRejectedError } from './oauth-errors';
import { OAuthCredentialsRepository, type OAuthCredential } from './oauth-credentials.repository';
import type { TokenRefresher } from './token-refresher';

/** Tokens expiring within this margin are refreshed before use. */
const EXPIRY_MARGIN_MS = 60_000;
const REFRESH_LOCK_TTL_MS = 30_000;

export function isUnauthorized(error: unknown): boolean {
  return error instanceof OutboundHttpError && error.status === 401;
}

/**
 * Hands out usable access tokens and refreshes them. A refresh is single-flight per streamer and provider:
 * callers in this process share one promise, other instances wait on a cluster-wide lock and then find the new
 * token already stored, so a refresh token is never spent twice.
 */
@Injectable()
export class OAuthTokenService {
  private readonly logger = new Logger(OAuthTokenService.name);
  private readonly inflight = new Map<string, Promise<string>>();

  constructor(
    private readonly credentials: OAuthCredentialsRepository,
    private readonly streamers: StreamersRepository,
    private readonly locks: LockProvider,
    private readonly clock: Clock,
  ) {}

  /** The stored access token, or a fresh one when it expires within a minute. */
  async accessToken(refresher: TokenRefresher, streamerId: string): Promise<string> {
    const credential = await this.usable(refresher.provider, streamerId);
    if (credential.expiresAt !== null && credential.expiresAt - EXPIRY_MARGIN_MS <= this.clock.now()) {
      return this.refresh(refresher, streamerId, credential.accessToken);
    }
    return credential.accessToken;
  }

  /** Runs `call` with an access token; when the provider answers 401, refreshes once and retries. */
  async withAccessToken<T>(
    refresher: TokenRefresher,
    streamerId: string,
    call: (accessToken: string) => Promise<T>,
  ): Promise<T> {
    const token = await this.accessToken(refresher, streamerId);
    try {
      return await call(token);
    } catch (error) {
      if (!isUnauthorized(error)) {
        throw error;
      }
      return call(await this.refresh(refresher, streamerId, token));
    }
  }

  /** Replaces `rejectedToken` with a fresh access token (or the one another caller already got). */
  refresh(refresher: TokenRefresher, streamerId: string, rejectedToken: string): Promise<string> {
    const key = `${refresher.provider}:${streamerId}`;
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.refreshUnderLock(refresher, streamerId, rejectedToken).finally(() =>
        this.inflight.delete(key),
      );
      this.inflight.set(key, pending);
    }
    return pending;
  }

  /** Marks the credential (and for Twitch, the streamer) as needing the streamer to log in again. */
  async requireReauth(provider: OAuthProvider, streamerId: string, reason: string): Promise<void> {
    this.logger.warn(`Streamer ${streamerId} must reconnect ${provider}: ${reason}`);
    await this.credentials.setStatus(streamerId, provider, 'needs_reauth');
    if (provider === 'twitch') {
      await this.streamers.setStatus(streamerId, 'needs_reauth');
    }
  }

  private refreshUnderLock(
    refresher: TokenRefresher,
    streamerId: string,
    rejectedToken: string,
  ): Promise<string> {
    const { provider } = refresher;
    return this.locks.withLock(
      LockKeys.tokenRefresh(provider, streamerId),
      REFRESH_LOCK_TTL_MS,
      async () => {
        const current = await this.usable(provider, streamerId);
        if (current.accessToken !== rejectedToken) {
          return current.accessToken;
        }
        if (!current.refreshToken) {
          await this.requireReauth(provider, streamerId, 'no refresh token');
          throw new ReauthRequiredError(provider, streamerId);
        }
        let tokens;
        try {
          tokens = await refresher.refresh(current.refreshToken);
        } catch (error) {
          if (error instanceof RefreshRejectedError) {
            await this.requireReauth(provider, streamerId, error.message);
            throw new ReauthRequiredError(provider, streamerId);
          }
          throw error;
        }
        if (!(await this.credentials.replaceTokens(streamerId, provider, tokens, current.updatedAt))) {
          return (await this.usable(provider, streamerId)).accessToken;
        }
        this.logger.log(`Refreshed the ${provider} token of streamer ${streamerId}`);
        return tokens.accessToken;
      },
      { waitMs: REFRESH_LOCK_TTL_MS },
    );
  }

  private async usable(provider: OAuthProvider, streamerId: string): Promise<OAuthCredential> {
    const credential = await this.credentials.find(streamerId, provider);
    if (!credential) {
      throw new NotConnectedError(provider, streamerId);
    }
    if (credential.status === 'needs_reauth') {
      throw new ReauthRequiredError(provider, streamerId);
    }
    return credential;
  }
}
