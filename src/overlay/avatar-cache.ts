import type { Redis } from 'ioredis';
import type { Clock } from '../../libs/clock';
import type { RedisConnection } from '../../libs/redis';

/**
 * Twitch avatars by user id, shared by every streamer (an avatar URL is public): a URL, or null for a user
 * Twitch does not know. Only answers are cached, never failures.
 */
export abstract class AvatarCache {
  /** The cached avatars among `userIds`; ids not cached (or expired) are absent from the map. */
  abstract get(userIds: readonly string[]): Promise<Map<string, string | null>>;
  abstract set(avatars: ReadonlyMap<string, string | null>, ttlMs: number): Promise<void>;
}

/** `avatar:<user id>` → the URL, or '' for none, with the TTL on the key. */
export class RedisAvatarCache extends AvatarCache {
  private readonly client: Redis;

  constructor(private readonly redis: RedisConnection) {
    super();
    this.client = redis.client!;
  }

  async get(userIds: readonly string[]): Promise<Map<string, string | null>> {
    const found = new Map<string, string | null>();
    if (userIds.length === 0) {
      return found;
    }
    const values = await this.client.mget(...userIds.map((id) => this.key(id)));
    userIds.forEach((id, i) => {
      const value = values[i];
      if (value !== null) {
        found.set(id, value === '' ? null : value);
      }
    });
    return found;
  }

  async set(avatars: ReadonlyMap<string, string | null>, ttlMs: number): Promise<void> {
    if (avatars.size === 0) {
      return;
    }
    const pipeline = this.client.pipeline();
    for (const [id, url] of avatars) {
      pipeline.set(this.key(id), url ?? '', 'PX', ttlMs);
    }
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([error]) => error);
    if (failed) {
      throw failed[0]!;
    }
  }

  private key(userId: string): string {
    return this.redis.key('avatar', userId);
  }
}

export class MemoryAvatarCache extends AvatarCache {
  /**
   * Insertion order is expiry order when every entry gets the same TTL (the app uses one), so the sweep stops at
   * the first live entry; a refreshed entry moves to the end.
   */
  private readonly entries = new Map<string, { url: string | null; expiresAt: number }>();

  constructor(private readonly clock: Clock) {
    super();
  }

  get(userIds: readonly string[]): Promise<Map<string, string | null>> {
    const now = this.clock.now();
    this.dropExpired(now);
    const found = new Map<string, string | null>();
    for (const id of userIds) {
      const entry = this.entries.get(id);
      if (entry && entry.expiresAt > now) {
        found.set(id, entry.url);
      }
    }
    return Promise.resolve(found);
  }

  set(avatars: ReadonlyMap<string, string | null>, ttlMs: number): Promise<void> {
    const expiresAt = this.clock.now() + ttlMs;
    for (const [id, url] of avatars) {
      this.entries.delete(id);
      this.entries.set(id, { url, expiresAt });
    }
    return Promise.resolve();
  }

  private dropExpired(now: number): void {
    for (const [id, { expiresAt }] of this.entries) {
      if (expiresAt > now) {
        break;
      }
      this.entries.delete(id);
    }
  }
}
