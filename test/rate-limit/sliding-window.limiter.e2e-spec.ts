import { setTimeout as delay } from 'node:timers/promises';
import {
  MemorySlidingWindowLimiter,
  RedisSlidingWindowLimiter,
  type SlidingWindowLimiter,
} from '../../libs/rate-limit';
import { openRedisInstances } from '../support/redis';

interface LimiterBackend {
  name: string;
  start(): Promise<{ limiter: SlidingWindowLimiter; stop(): Promise<void> }>;
}

const BACKENDS: LimiterBackend[] = [
  {
    name: MemorySlidingWindowLimiter.name,
    start: () =>
      Promise.resolve({ limiter: new MemorySlidingWindowLimiter(), stop: () => Promise.resolve() }),
  },
  {
    name: RedisSlidingWindowLimiter.name,
    start: async () => {
      const redis = await openRedisInstances(1);
      return { limiter: new RedisSlidingWindowLimiter(redis.connections[0]), stop: redis.close };
    },
  },
];

/** The caller's clock: any instant works, the limiter only compares them. */
const T = 1_700_000_000_000;
const WINDOW_MS = 1000;

describe.each(BACKENDS)('SlidingWindowLimiter contract on $name', (backend) => {
  let limiter: SlidingWindowLimiter;
  let stop: () => Promise<void>;
  let keyNumber = 0;
  /** A key of its own per test, so the cases never share a log. */
  let key: string;

  beforeAll(async () => {
    ({ limiter, stop } = await backend.start());
  });

  beforeEach(() => {
    keyNumber += 1;
    key = `key-${keyNumber}`;
  });

  afterAll(async () => {
    await stop?.();
  });

  it('allows `limit` requests in any window, then says when the oldest one leaves it', async () => {
    await expect(limiter.tryTake([{ key, limit: 2 }], WINDOW_MS, T)).resolves.toEqual({ allowed: true });
    await expect(limiter.tryTake([{ key, limit: 2 }], WINDOW_MS, T + 600)).resolves.toEqual({
      allowed: true,
    });

    await expect(limiter.tryTake([{ key, limit: 2 }], WINDOW_MS, T + 999)).resolves.toEqual({
      allowed: false,
      retryAfterMs: 1,
      blockedBy: key,
    });
    await expect(limiter.tryTake([{ key, limit: 2 }], WINDOW_MS, T + 1000)).resolves.toEqual({
      allowed: true,
    });
    await expect(limiter.tryTake([{ key, limit: 2 }], WINDOW_MS, T + 1500)).resolves.toEqual({
      allowed: false,
      retryAfterMs: 100,
      blockedBy: key,
    });
  });

  it('counts the requests in the window ending now', async () => {
    await limiter.tryTake([{ key, limit: 5, count: 2 }], WINDOW_MS, T);
    await limiter.tryTake([{ key, limit: 5 }], WINDOW_MS, T + 500);

    await expect(limiter.used([key, 'never-used'], WINDOW_MS, T + 999)).resolves.toEqual([3, 0]);
    await expect(limiter.used([key], WINDOW_MS, T + 1000)).resolves.toEqual([1]);
  });

  it('takes several allowances together: one that is spent blocks the request and uses up none of the others', async () => {
    const other = `${key}-other`;
    const both = [
      { key: other, limit: 5 },
      { key, limit: 1 },
    ];
    await expect(limiter.tryTake(both, WINDOW_MS, T)).resolves.toEqual({ allowed: true });

    await expect(limiter.tryTake(both, WINDOW_MS, T + 1)).resolves.toMatchObject({
      allowed: false,
      blockedBy: key,
    });
    await expect(limiter.used([other, key], WINDOW_MS, T + 1)).resolves.toEqual([1, 1]);
  });

  it('denies for a whole window a request larger than its limit', async () => {
    await expect(limiter.tryTake([{ key, limit: 2, count: 3 }], WINDOW_MS, T)).resolves.toEqual({
      allowed: false,
      retryAfterMs: WINDOW_MS,
      blockedBy: key,
    });
    await expect(limiter.used([key], WINDOW_MS, T)).resolves.toEqual([0]);
  });

  it("keeps requests by the caller's clock, however much more time passes meanwhile on the store's", async () => {
    const shortWindowMs = 40;
    await limiter.tryTake([{ key, limit: 1 }], shortWindowMs, T);
    // Three windows of real time while the caller's clock moves 10 ms (a paused process, a test's manual clock).
    await delay(3 * shortWindowMs);

    await expect(limiter.tryTake([{ key, limit: 1 }], shortWindowMs, T + 10)).resolves.toEqual({
      allowed: false,
      retryAfterMs: shortWindowMs - 10,
      blockedBy: key,
    });
  });
});
