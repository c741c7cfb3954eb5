import type { RedisConnection } from '../../libs/redis';
import {
  MAX_PENDING_STATES,
  MemoryOAuthStateStore,
  OAUTH_STATE_TTL_MS,
  RedisOAuthStateStore,
  type OAuthStateStore,
} from '../../src/auth/oauth-state.store';
import { ManualClock } from '../support/manual-clock';
import { clearRedisPrefix, openRedis, testRedisConfig, openRedisInstances } from '../support/redis';

/** 24 random bytes, base64url. */
const URL_SAFE_STATE = /^[A-Za-z0-9_-]{32}$/;

/**
 * Two instances of the service: on Redis, two stores on their own connections; in single-instance (memory)
 * mode there is only one process, so both are the same store.
 */
interface StoreBackend {
  name: string;
  start(): Promise<{ storeA: OAuthStateStore; storeB: OAuthStateStore; stop(): Promise<void> }>;
}

const BACKENDS: StoreBackend[] = [
  {
    name: MemoryOAuthStateStore.name,
    start: () => {
      const store = new MemoryOAuthStateStore(new ManualClock(1_000));
      return Promise.resolve({ storeA: store, storeB: store, stop: () => Promise.resolve() });
    },
  },
  {
    name: RedisOAuthStateStore.name,
    start: async () => {
      const redis = await openRedisInstances(2);
      return {
        storeA: new RedisOAuthStateStore(redis.connections[0]),
        storeB: new RedisOAuthStateStore(redis.connections[1]),
        stop: redis.close,
      };
    },
  },
];

describe.each(BACKENDS)('OAuthStateStore contract on $name', (backend) => {
  let storeA: OAuthStateStore;
  let storeB: OAuthStateStore;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ storeA, storeB, stop } = await backend.start());
  });

  afterAll(async () => {
    await stop?.();
  });

  it('issues a random URL-safe state that an instance consumes once', async () => {
    const state = await storeA.issue({ flow: 'donationalerts-connect', streamerId: 'streamer-1' });

    const consumed = await storeB.consume(state);
    const again = await storeA.consume(state);

    expect(state).toMatch(URL_SAFE_STATE);
    expect(consumed).toEqual({ flow: 'donationalerts-connect', streamerId: 'streamer-1' });
    expect(again).toBeNull();
  });

  it('lets exactly one of two instances consume a state when both try at once', async () => {
    const state = await storeA.issue({ flow: 'twitch-login' });

    const results = await Promise.all([storeA.consume(state), storeB.consume(state)]);

    expect(results.filter((result) => result !== null)).toEqual([{ flow: 'twitch-login' }]);
  });

  it.each([
    ['undefined', undefined],
    ['empty', ''],
    ['never issued', 'bmV2ZXItaXNzdWVkLXN0YXRlLXZhbHVl'],
    ['not URL-safe', 'a*b'.repeat(8)],
    ['a Redis glob', '*'],
  ])('gives null for a state that is %s', async (_case, value) => {
    await expect(storeA.consume(value)).resolves.toBeNull();
  });

  it('issues a different state every time', async () => {
    const states = await Promise.all(
      Array.from({ length: 20 }, () => storeA.issue({ flow: 'twitch-login' })),
    );

    expect(new Set(states).size).toBe(20);
  });
});

describe(RedisOAuthStateStore.name, () => {
  const config = testRedisConfig();
  let redis: RedisConnection;
  let sut: RedisOAuthStateStore;

  beforeAll(async () => {
    redis = await openRedis(config);
    sut = new RedisOAuthStateStore(redis);
  });

  afterAll(async () => {
    await redis?.close();
    await clearRedisPrefix(config.keyPrefix);
  });

  it('keeps the state in Redis under the key prefix for 10 minutes', async () => {
    const state = await sut.issue({ flow: 'twitch-login' });

    const ttl = await redis.client!.pttl(`${config.keyPrefix}oauth-state:${state}`);

    expect(OAUTH_STATE_TTL_MS).toBe(600_000);
    expect(ttl).toBeGreaterThan(590_000);
    expect(ttl).toBeLessThanOrEqual(600_000);
  });
});

describe(MemoryOAuthStateStore.name, () => {
  let clock: ManualClock;
  let sut: MemoryOAuthStateStore;

  beforeEach(() => {
    clock = new ManualClock(1_000);
    sut = new MemoryOAuthStateStore(clock);
  });

  it('still accepts a state just under 10 minutes old', async () => {
    const state = await sut.issue({ flow: 'twitch-login' });

    clock.advance(OAUTH_STATE_TTL_MS - 1);

    await expect(sut.consume(state)).resolves.toEqual({ flow: 'twitch-login' });
  });

  it('gives null for a state 10 minutes old', async () => {
    const state = await sut.issue({ flow: 'twitch-login' });

    clock.advance(OAUTH_STATE_TTL_MS);

    await expect(sut.consume(state)).resolves.toBeNull();
  });

  it('drops the oldest pending state when too many logins are pending', async () => {
    const oldest = await sut.issue({ flow: 'twitch-login' });
    const second = await sut.issue({ flow: 'twitch-login' });
    for (let i = 2; i < MAX_PENDING_STATES; i += 1) {
      await sut.issue({ flow: 'twitch-login' });
    }

    await sut.issue({ flow: 'twitch-login' });

    await expect(sut.consume(oldest)).resolves.toBeNull();
    await expect(sut.consume(second)).resolves.toEqual({ flow: 'twitch-login' });
  });
});
