import type { RedisConnection } from '../../libs/redis';
import {
  MemoryAnnouncedDonations,
  RedisAnnouncedDonations,
  type AnnouncedDonations,
} from '../../src/overlay/announced-donations';
import { ManualClock } from '../support/manual-clock';
import { clearRedisPrefix, openRedis, testRedisConfig, openRedisInstances } from '../support/redis';

const TTL_MS = 60_000;

/** Two instances' views: on Redis, one per connection; in single-instance (memory) mode, the same one. */
interface ClaimsBackend {
  name: string;
  start(): Promise<{ claimsA: AnnouncedDonations; claimsB: AnnouncedDonations; stop(): Promise<void> }>;
}

const BACKENDS: ClaimsBackend[] = [
  {
    name: MemoryAnnouncedDonations.name,
    start: () => {
      const claims = new MemoryAnnouncedDonations(new ManualClock());
      return Promise.resolve({ claimsA: claims, claimsB: claims, stop: () => Promise.resolve() });
    },
  },
  {
    name: RedisAnnouncedDonations.name,
    start: async () => {
      const redis = await openRedisInstances(2);
      return {
        claimsA: new RedisAnnouncedDonations(redis.connections[0]),
        claimsB: new RedisAnnouncedDonations(redis.connections[1]),
        stop: redis.close,
      };
    },
  },
];

describe.each(BACKENDS)('AnnouncedDonations contract on $name', (backend) => {
  let claimsA: AnnouncedDonations;
  let claimsB: AnnouncedDonations;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ claimsA, claimsB, stop } = await backend.start());
  });

  afterAll(async () => {
    await stop?.();
  });

  it('grants the first claim of a donation and refuses every later one, on any instance', async () => {
    await expect(claimsA.claim('donation-1', TTL_MS)).resolves.toBe(true);
    await expect(claimsB.claim('donation-1', TTL_MS)).resolves.toBe(false);
    await expect(claimsA.claim('donation-1', TTL_MS)).resolves.toBe(false);
  });

  it('grants exactly one of two claims made at once', async () => {
    const granted = await Promise.all([
      claimsA.claim('donation-2', TTL_MS),
      claimsB.claim('donation-2', TTL_MS),
    ]);

    expect(granted.filter(Boolean)).toHaveLength(1);
  });

  it('keeps donations apart', async () => {
    await claimsA.claim('donation-3', TTL_MS);

    await expect(claimsB.claim('donation-4', TTL_MS)).resolves.toBe(true);
  });
});

describe(RedisAnnouncedDonations.name, () => {
  const config = testRedisConfig();
  let redis: RedisConnection;

  beforeAll(async () => {
    redis = await openRedis(config);
  });

  afterAll(async () => {
    await redis?.close();
    await clearRedisPrefix(config.keyPrefix);
  });

  it('keeps a claim under the key prefix for its TTL', async () => {
    await new RedisAnnouncedDonations(redis).claim('donation-1', TTL_MS);

    const ttl = await redis.client!.pttl(`${config.keyPrefix}overlay-announced:donation-1`);

    expect(ttl).toBeGreaterThan(TTL_MS - 10_000);
    expect(ttl).toBeLessThanOrEqual(TTL_MS);
  });
});

describe(MemoryAnnouncedDonations.name, () => {
  it('grants a claim again once the earlier one is older than its TTL', async () => {
    const clock = new ManualClock();
    const sut = new MemoryAnnouncedDonations(clock);
    await sut.claim('donation-1', TTL_MS);

    clock.advance(TTL_MS - 1);
    await expect(sut.claim('donation-1', TTL_MS)).resolves.toBe(false);
    clock.advance(1);
    await expect(sut.claim('donation-1', TTL_MS)).resolves.toBe(true);
  });
});
