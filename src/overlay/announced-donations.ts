import type { Redis } from 'ioredis';
import type { Clock } from '../../libs/clock';
import type { RedisConnection } from '../../libs/redis';

/**
 * Which donations already reached the overlay: the announcer may announce one again after a crash, and the
 * page must show it once.
 */
export abstract class AnnouncedDonations {
  /** True for the first claim of a donation id within `ttlMs`, false for every later one. */
  abstract claim(donationId: string, ttlMs: number): Promise<boolean>;
}

export class RedisAnnouncedDonations extends AnnouncedDonations {
  private readonly client: Redis;

  constructor(private readonly redis: RedisConnection) {
    super();
    this.client = redis.client!;
  }

  async claim(donationId: string, ttlMs: number): Promise<boolean> {
    const set = await this.client.set(
      this.redis.key('overlay-announced', donationId),
      '1',
      'PX',
      ttlMs,
      'NX',
    );
    return set === 'OK';
  }
}

export class MemoryAnnouncedDonations extends AnnouncedDonations {
  /** Insertion order is expiry order, as every claim uses the same TTL. */
  private readonly expiries = new Map<string, number>();

  constructor(private readonly clock: Clock) {
    super();
  }

  claim(donationId: string, ttlMs: number): Promise<boolean> {
    const now = this.clock.now();
    for (const [id, expiresAt] of this.expiries) {
      if (expiresAt > now) {
        break;
      }
      this.expiries.delete(id);
    }
    if (this.expiries.has(donationId)) {
      return Promise.resolve(false);
    }
    this.expiries.set(donationId, now + ttlMs);
    return Promise.resolve(true);
  }
}
