import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { OAuthTokenService } from '../oauth';
import { HELIX_USERS_PER_REQUEST, TwitchApiClient } from '../twitch';
import { AvatarCache } from './avatar-cache';

export type AvatarAnswer = { status: 'resolved'; url: string | null } | { status: 'failed'; reason: string };

/** A day, as Twitch's avatar URLs change only when the viewer uploads a new picture. */
export const AVATAR_CACHE_TTL_MS = 24 * 60 * 60_000;
/**
 * Lookups asked within this long of the first one wait for it and share one Helix request (up to 100 ids): a
 * chat burst costs one request instead of one per viewer. It is a real-time wait, not a schedule: a test's
 * manual clock must not hold it.
 */
export const AVATAR_BATCH_WINDOW_MS = 50;

interface Batch {
  /** The callers waiting for each user id. */
  waiters: Map<string, Array<(answer: AvatarAnswer) => void>>;
  timer?: NodeJS.Timeout;
}

/**
 * Viewers' avatars: the cache, then Helix `GET /helix/users` with the streamer's own Twitch token (refreshed on
 * a 401 by the token service), batched per streamer. A failure answers `failed` and caches nothing, so the next
 * lookup asks Helix again.
 */
@Injectable()
export class AvatarLookup implements OnApplicationShutdown {
  private readonly logger = new Logger(AvatarLookup.name);
  private readonly batches = new Map<string, Batch>();

  constructor(
    private readonly cache: AvatarCache,
    private readonly twitch: TwitchApiClient,
    private readonly tokens: OAuthTokenService,
  ) {}

  avatarOf(streamerId: string, userId: string): Promise<AvatarAnswer> {
    return new Promise((resolve) => {
      let batch = this.batches.get(streamerId);
      if (!batch) {
        const created: Batch = { waiters: new Map() };
        created.timer = setTimeout(() => this.flush(streamerId, created), AVATAR_BATCH_WINDOW_MS);
        created.timer.unref();
        this.batches.set(streamerId, created);
        batch = created;
      }
      const waiting = batch.waiters.get(userId) ?? [];
      waiting.push(resolve);
      batch.waiters.set(userId, waiting);
      if (batch.waiters.size >= HELIX_USERS_PER_REQUEST) {
        this.flush(streamerId, batch);
      }
    });
  }

  onApplicationShutdown(): void {
    for (const [streamerId, batch] of [...this.batches]) {
      this.batches.delete(streamerId);
      clearTimeout(batch.timer);
      this.answer(batch, new Map(), { status: 'failed', reason: 'shutting down' });
    }
  }

  private flush(streamerId: string, batch: Batch): void {
    clearTimeout(batch.timer);
    if (this.batches.get(streamerId) === batch) {
      this.batches.delete(streamerId);
    }
    void this.resolve(streamerId, [...batch.waiters.keys()]).then(
      (avatars) => this.answer(batch, avatars, { status: 'failed', reason: 'not answered' }),
      (error: Error) => {
        this.logger.warn(
          `Avatar lookup of ${batch.waiters.size} viewer(s) for streamer ${streamerId} failed: ${error.message}`,
        );
        this.answer(batch, new Map(), { status: 'failed', reason: error.message });
      },
    );
  }

  /** The avatars of `userIds` (at most one Helix request's worth): cached ones, then Helix for the rest. */
  private async resolve(streamerId: string, userIds: string[]): Promise<Map<string, string | null>> {
    const avatars = await this.cache.get(userIds);
    const missing = userIds.filter((id) => !avatars.has(id));
    if (missing.length === 0) {
      return avatars;
    }
    const users = await this.tokens.withAccessToken(this.twitch, streamerId, (token) =>
      this.twitch.users(missing, token),
    );
    const fetched = new Map<string, string | null>(missing.map((id) => [id, null]));
    for (const user of users) {
      if (fetched.has(user.id)) {
        fetched.set(user.id, user.profile_image_url || null);
      }
    }
    await this.cache.set(fetched, AVATAR_CACHE_TTL_MS).catch((error: Error) => {
      this.logger.warn(`Could not cache ${fetched.size} avatar(s): ${error.message}`);
    });
    fetched.forEach((url, id) => avatars.set(id, url));
    return avatars;
  }

  private answer(batch: Batch, avatars: Map<string, string | null>, otherwise: AvatarAnswer): void {
    for (const [userId, waiting] of batch.waiters) {
      const answer: AvatarAnswer = avatars.has(userId)
        ? { status: 'resolved', url: avatars.get(userId) ?? null }
        : otherwise;
      waiting.forEach((resolve) => resolve(answer));
    }
  }
}
