import type { RedisConnection } from '../../libs/redis';
import {
  MemoryOAuthStateStore,
  OAUTH_STATE_TTL_MS,
  RedisOAuthStateStore,
} from '../../src/auth/oauth-state.store';
import { ManualClock } from '../support/manual-clock';
import { clearRedisPrefix, openRedis, testRedisConfig } from '../support/redis';

const URL_SAFE_STATE = /^[A-Za-z0-9_-]{22,}$/;

describe(RedisOAuthStateStore.name, () => {
  const config = testRedisConfig();
  let instanceA: RedisConnection;
  let instanceB: RedisConnection;
  let storeA: RedisOAuthStateStore;
  let storeB: RedisOAuthStateStore;

  beforeAll(async () => {
    instanceA = await openRedis(config);
    instanceB = await openRedis(config);
    storeA = new RedisOAuthStateStore(instanceA);
    storeB = new RedisOAuthStateStore(instanceB);
  });

  afterAll(async () => {
    await instanceA?.close();
    await instanceB?.close();
    await clearRedisPrefix(config.keyPrefix);
  });

  it('issues a random URL-safe state that another instance consumes once', async () => {
    const state = await storeA.issue({ flow: 'donationalerts-connect', streamerId: 'streamer-1' });

    const consumed = await storeB.consume(state);
    const again = await storeA.consume(state);

    expect(state).toMatch(URL_SAFE_STATE);
    expect(consumed).toEqual({ flow: 'donationalerts-connect', streamerId: 'streamer-1' });
    expect(again).toBeNull();
  });

  it('keeps the state in Redis under the key prefix for 10 minutes', async () => {
    const state = await storeA.issue({ flow: 'twitch-login' });

    const ttl = await instanceA.client!.pttl(`${config.keyPrefix}oauth-state:${state}`);

    expect(OAUTH_STATE_TTL_MS).toBe(600_000);
    expect(ttl).toBeGreaterThan(590_000);
    expect(ttl).toBeLessThanOrEqual(600_000);
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

describe(MemoryOAuthStateStore.name, () => {
  it('gives the payload once and null afterwards', async () => {
    const store = new MemoryOAuthStateStore(new ManualClock(1_000));
    const state = await store.issue({ flow: 'twitch-login' });

    await expect(store.consume(state)).resolves.toEqual({ flow: 'twitch-login' });
    await expect(store.consume(state)).resolves.toBeNull();
    expect(state).toMatch(URL_SAFE_STATE);
  });

  it('still accepts a state just under 10 minutes old', async () => {
    const clock = new ManualClock(1_000);
    const store = new MemoryOAuthStateStore(clock);
    const state = await store.issue({ flow: 'twitch-login' });

    clock.advance(OAUTH_STATE_TTL_MS - 1);

    await expect(store.consume(state)).resolves.toEqual({ flow: 'twitch-login' });
  });

  it('gives null for a state 10 minutes old', async () => {
    const clock = new ManualClock(1_000);
    const store = new MemoryOAuthStateStore(clock);
    const state = await store.issue({ flow: 'twitch-login' });

    clock.advance(OAUTH_STATE_TTL_MS);

    await expect(store.consume(state)).resolves.toBeNull();
  });

  it('gives null for a state it never issued or none at all', async () => {
    const store = new MemoryOAuthStateStore(new ManualClock(1_000));

    await expect(store.consume('bmV2ZXItaXNzdWVkLXN0YXRlLXZhbHVl')).resolves.toBeNull();
    await expect(store.consume(undefined)).resolves.toBeNull();
  });
});
