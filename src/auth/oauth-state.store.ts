import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Clock } from '../../libs/clock';
import type { RedisConnection } from '../../libs/redis';

export type OAuthFlow = 'twitch-login' | 'donationalerts-connect';

export interface OAuthState {
  flow: OAuthFlow;
  /** The logged-in streamer who started the flow (for connecting another provider). */
  streamerId?: string;
  /** The login binding cookie of the browser that started the flow (see SessionService.bindLogin). */
  browser?: string;
}

export const OAUTH_STATE_TTL_MS = 10 * 60_000;

function newState(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * OAuth `state` values: random, short-lived and single-use. In Redis when configured, so the callback may land
 * on any instance; in this process's memory in single-instance mode.
 */
export abstract class OAuthStateStore {
  abstract issue(state: OAuthState): Promise<string>;
  /** The state's payload, once: a second call, an unknown or an expired state gives null. */
  abstract consume(value: string | undefined): Promise<OAuthState | null>;
}

const WELL_FORMED = /^[A-Za-z0-9_-]{16,128}$/;

export class RedisOAuthStateStore extends OAuthStateStore {
  private readonly client: Redis;

  constructor(private readonly redis: RedisConnection) {
    super();
    this.client = redis.client!;
  }

  async issue(state: OAuthState): Promise<string> {
    const value = newState();
    await this.client.set(
      this.redis.key('oauth-state', value),
      JSON.stringify(state),
      'PX',
      OAUTH_STATE_TTL_MS,
    );
    return value;
  }

  async consume(value: string | undefined): Promise<OAuthState | null> {
    if (!value || !WELL_FORMED.test(value)) {
      return null;
    }
    const stored = await this.client.getdel(this.redis.key('oauth-state', value));
    return stored ? (JSON.parse(stored) as OAuthState) : null;
  }
}

/** Single-instance mode keeps at most this many pending states; the oldest go first. */
export const MAX_PENDING_STATES = 10_000;

export class MemoryOAuthStateStore extends OAuthStateStore {
  private readonly states = new Map<string, { state: OAuthState; expiresAt: number }>();

  constructor(private readonly clock: Clock) {
    super();
  }

  issue(state: OAuthState): Promise<string> {
    this.sweep();
    if (this.states.size >= MAX_PENDING_STATES) {
      this.states.delete(this.states.keys().next().value!);
    }
    const value = newState();
    this.states.set(value, { state, expiresAt: this.clock.now() + OAUTH_STATE_TTL_MS });
    return Promise.resolve(value);
  }

  consume(value: string | undefined): Promise<OAuthState | null> {
    this.sweep();
    if (!value) {
      return Promise.resolve(null);
    }
    const entry = this.states.get(value);
    this.states.delete(value);
    return Promise.resolve(entry ? entry.state : null);
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const [value, entry] of this.states) {
      if (entry.expiresAt <= now) {
        this.states.delete(value);
      }
    }
  }
}
