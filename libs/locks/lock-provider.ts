import { Logger } from '@nestjs/common';
import { setTimeout as delay } from 'node:timers/promises';
import { LockUnavailableError, type Lease } from './lease';

export interface WithLockOptions {
  /** How long to keep retrying while another holder has the lock; 0 tries once. */
  waitMs?: number;
  retryDelayMs?: number;
}

/** The one lock API of the service: Redis (redlock) when Redis is configured, a database lease otherwise. */
export abstract class LockProvider {
  abstract readonly backend: 'redis' | 'database';
  protected readonly logger = new Logger(LockProvider.name);

  /** Takes the lock if nobody holds it; null when it is held. */
  abstract tryLock(key: string, ttlMs: number): Promise<Lease | null>;

  /** Runs `fn` under the lock and always releases it, waiting up to `waitMs` for a busy lock. */
  async withLock<T>(
    key: string,
    ttlMs: number,
    fn: (lease: Lease) => Promise<T>,
    { waitMs = 0, retryDelayMs = 50 }: WithLockOptions = {},
  ): Promise<T> {
    const started = Date.now();
    let lease = await this.tryLock(key, ttlMs);
    while (!lease && Date.now() - started < waitMs) {
      await delay(retryDelayMs + Math.floor(Math.random() * retryDelayMs));
      lease = await this.tryLock(key, ttlMs);
    }
    if (!lease) {
      throw new LockUnavailableError(key, Date.now() - started);
    }
    try {
      return await fn(lease);
    } finally {
      // A failed release must not hide fn's own result or error: the lease runs out by itself anyway.
      await lease.release().catch((error: Error) => {
        this.logger.warn(`Could not release lock "${key}" (it will expire): ${error.message}`);
      });
    }
  }
}
