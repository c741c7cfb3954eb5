import { randomUUID } from 'node:crypto';
import { RedisScript, type RedisConnection } from '../redis';

export interface Allowance {
  key: string;
  limit: number;
  /** Requests to take at once (default 1). */
  count?: number;
  /** This key's window, when longer than the call's. */
  windowMs?: number;
}

export type TakeResult = { allowed: true } | { allowed: false; retryAfterMs: number; blockedBy: string };

/**
 * Exact sliding-window rate limits (a log of request times per key): never more than `limit` requests in ANY
 * window of `windowMs`, not just in fixed windows. Several allowances are checked and taken together, so a
 * request denied by one limit uses up none of the others. Time comes from the caller (the injected clock).
 */
export abstract class SlidingWindowLimiter {
  abstract tryTake(allowances: Allowance[], windowMs: number, now: number): Promise<TakeResult>;
  /** Requests counted against each key in the window ending now. */
  abstract used(keys: string[], windowMs: number, now: number): Promise<number[]>;
}

/**
 * The key's TTL is only garbage collection (ZREMRANGEBYSCORE keeps the window exact), and it runs on Redis's time
 * while the window runs on the caller's clock: ten windows, so a caller's clock that lags Redis's (a paused
 * process, a test's manual clock) never loses requests still inside its window.
 *
 * KEYS: the limited keys. ARGV: now, member prefix, then per key its limit, the count to take and its window.
 * Returns {1}, or {0, retryAfterMs, index of the blocking key}: the time until enough old requests leave it.
 */
const TAKE_ALL = new RedisScript(`
local now = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  local limit = tonumber(ARGV[3 * i])
  local count = tonumber(ARGV[3 * i + 1])
  local window = tonumber(ARGV[3 * i + 2])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local used = redis.call('ZCARD', key)
  if used + count > limit then
    if count > limit then
      return {0, window, i}
    end
    local freeing = redis.call('ZRANGE', key, used + count - limit - 1, used + count - limit - 1, 'WITHSCORES')
    return {0, tonumber(freeing[2]) + window - now, i}
  end
end
for i, key in ipairs(KEYS) do
  for j = 1, tonumber(ARGV[3 * i + 1]) do
    redis.call('ZADD', key, now, ARGV[2] .. ':' .. i .. ':' .. j)
  end
  redis.call('PEXPIRE', key, tonumber(ARGV[3 * i + 2]) * 10)
end
return {1}
`);

export class RedisSlidingWindowLimiter extends SlidingWindowLimiter {
  constructor(private readonly redis: RedisConnection) {
    super();
  }

  async tryTake(allowances: Allowance[], windowMs: number, now: number): Promise<TakeResult> {
    const keys = allowances.map(({ key }) => this.redis.key('rate', key));
    const result = (await TAKE_ALL.run(this.redis.client!, keys, [
      now,
      `${now}:${randomUUID()}`,
      ...allowances.flatMap(({ limit, count = 1, ...own }) => [limit, count, own.windowMs ?? windowMs]),
    ])) as number[];
    if (result[0] === 1) {
      return { allowed: true };
    }
    return { allowed: false, retryAfterMs: Math.max(1, result[1]), blockedBy: allowances[result[2] - 1].key };
  }

  async used(keys: string[], windowMs: number, now: number): Promise<number[]> {
    const pipeline = this.redis.client!.pipeline();
    for (const key of keys) {
      pipeline.zcount(this.redis.key('rate', key), `(${now - windowMs}`, '+inf');
    }
    const results = (await pipeline.exec()) ?? [];
    return results.map(([, count]) => Number(count ?? 0));
  }
}

export class MemorySlidingWindowLimiter extends SlidingWindowLimiter {
  private readonly log = new Map<string, number[]>();

  tryTake(allowances: Allowance[], windowMs: number, now: number): Promise<TakeResult> {
    for (const { key, limit, count = 1, ...own } of allowances) {
      const window = own.windowMs ?? windowMs;
      const times = this.recent(key, window, now);
      if (times.length + count > limit) {
        const freeing = count > limit ? now : times[times.length + count - limit - 1];
        return Promise.resolve({
          allowed: false,
          retryAfterMs: Math.max(1, freeing + window - now),
          blockedBy: key,
        });
      }
    }
    for (const { key, count = 1, ...own } of allowances) {
      this.recent(key, own.windowMs ?? windowMs, now).push(...Array<number>(count).fill(now));
    }
    return Promise.resolve({ allowed: true });
  }

  used(keys: string[], windowMs: number, now: number): Promise<number[]> {
    return Promise.resolve(keys.map((key) => this.recent(key, windowMs, now).length));
  }

  private recent(key: string, windowMs: number, now: number): number[] {
    const times = (this.log.get(key) ?? []).filter((time) => time > now - windowMs);
    this.log.set(key, times);
    return times;
  }
}
