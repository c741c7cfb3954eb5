import Redlock, { ExecutionError, ResourceLockedError, type Lock } from 'redlock';
import { RedisScript, type RedisConnection } from '../redis';
import type { Lease } from './lease';
import { LockProvider } from './lock-provider';

/**
 * Issues the next fencing token only while the caller still holds the lock, so tokens follow the order in
 * which the lock changed hands. The counter never drops below Redis' clock in microseconds (TIME: seconds ×
 * 10^6 + microseconds): Redis here keeps nothing on disk, and a restart must not hand out tokens lower than the
 * ones the database has already seen. Microseconds (about 1.8e15 today, well inside 2^53) keep the floor ahead
 * of any realistic hand-over rate.
 */
const NEXT_FENCING_TOKEN = new RedisScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return false
end
local token = redis.call('INCR', KEYS[2])
local time = redis.call('TIME')
local floor = tonumber(time[1]) * 1000000 + tonumber(time[2])
if token < floor then
  redis.call('SET', KEYS[2], string.format('%d', floor))
  token = floor
end
return token
`);

/** True when redlock failed only because the key is taken, not because Redis could not be reached. */
async function isHeldByAnother(error: unknown): Promise<boolean> {
  if (!(error instanceof ExecutionError) || error.attempts.length === 0) {
    return false;
  }
  const attempts = await Promise.all(error.attempts);
  return attempts.every((stats) =>
    [...stats.votesAgainst.values()].every((reason) => reason instanceof ResourceLockedError),
  );
}

class RedlockLease implements Lease {
  constructor(
    readonly key: string,
    readonly token: number,
    private lock: Lock,
    private readonly redlock: Redlock,
  ) {}

  async extend(ttlMs: number): Promise<boolean> {
    try {
      this.lock = await this.redlock.extend(this.lock, ttlMs);
      return true;
    } catch {
      return false;
    }
  }

  async release(): Promise<void> {
    try {
      await this.redlock.release(this.lock, { retryCount: 0 });
    } catch {
      // Nothing to release: the lease expired and the key is gone or belongs to someone else.
    }
  }
}

export class RedisLockProvider extends LockProvider {
  readonly backend = 'redis' as const;
  private readonly redlock: Redlock;

  constructor(private readonly redis: RedisConnection) {
    super();
    if (!redis.client) {
      throw new Error('RedisLockProvider needs a Redis connection');
    }
    this.redlock = new Redlock([redis.client], { retryCount: 0, automaticExtensionThreshold: 0 });
    this.redlock.on('error', (error: unknown) => {
      if (!(error instanceof ResourceLockedError)) {
        this.logger.warn(`Redis lock error: ${(error as Error).message}`);
      }
    });
  }

  async tryLock(key: string, ttlMs: number): Promise<Lease | null> {
    const lockKey = this.redis.key('lock', key);
    let lock: Lock;
    try {
      lock = await this.redlock.acquire([lockKey], ttlMs);
    } catch (error) {
      if (await isHeldByAnother(error)) {
        return null;
      }
      throw error;
    }
    let token: unknown;
    try {
      token = await NEXT_FENCING_TOKEN.run(
        this.redis.client!,
        [lockKey, this.redis.key('fence', key)],
        [lock.value],
      );
    } catch (error) {
      await this.redlock.release(lock, { retryCount: 0 }).catch(() => undefined);
      throw error;
    }
    // null: the lock expired between acquiring it and asking for a token, so someone else may hold it now.
    return token === null ? null : new RedlockLease(key, Number(token), lock, this.redlock);
  }
}
