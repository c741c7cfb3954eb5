import { Logger } from '@nestjs/common';
import { setTimeout as delay } from 'node:timers/promises';
import type { DataSource } from 'typeorm';
import { SystemClock } from '../../libs/clock';
import { LockProvider, LockUnavailableError, RedisLockProvider, type Lease } from '../../libs/locks';
import type { RedisConnection } from '../../libs/redis';
import { TypeOrmDonationCursorsRepository } from '../../src/donations/typeorm-donation-cursors.repository';
import { TypeOrmStreamersRepository } from '../../src/streamers/typeorm-streamers.repository';
import {
  createTestDatabase,
  openDataSource,
  type DatabaseKind,
  type TestDatabase,
} from '../support/databases';
import {
  createLockBackend,
  type DatabaseLockBackend,
  type LockBackend,
  type LockBackendKind,
  type LockInstance,
} from '../support/lock-backends';
import { clearRedisPrefix, openRedis, testRedisConfig } from '../support/redis';
import { uniqueName } from '../support/services';
import { waitFor } from '../support/waiting';

/** Short enough to watch a lease run out, long enough that a busy CI machine does not lose it by accident. */
const SHORT_TTL_MS = 200;
const LONG_TTL_MS = 10_000;
const RESTART_DOWNTIME_MS = 10;

/** Polls until the key is free (for example after a lease ran out) and takes it. */
async function acquireWhenFree(provider: LockProvider, key: string, ttlMs: number): Promise<Lease> {
  let lease: Lease | null = null;
  await waitFor(async () => (lease = await provider.tryLock(key, ttlMs)) !== null, {
    timeoutMs: 5000,
    what: `taking "${key}"`,
  });
  return lease!;
}

interface CursorTable {
  cursors: TypeOrmDonationCursorsRepository;
  streamers: TypeOrmStreamersRepository;
}

function cursorTableOn(dataSource: DataSource): CursorTable {
  const clock = new SystemClock();
  return {
    cursors: new TypeOrmDonationCursorsRepository(dataSource, clock),
    streamers: new TypeOrmStreamersRepository(dataSource, clock),
  };
}

const BACKENDS: Array<{ kind: LockBackendKind; cursorTables: DatabaseKind[] }> = [
  { kind: 'redis', cursorTables: ['sqlite', 'postgres'] },
  { kind: 'sqlite', cursorTables: ['sqlite'] },
  { kind: 'postgres', cursorTables: ['postgres'] },
];

describe(LockProvider.name, () => {
  beforeAll(() => {
    Logger.overrideLogger(['error']);
  });

  describe.each(BACKENDS)('with the $kind backend', ({ kind, cursorTables }) => {
    let backend: LockBackend;
    let a: LockInstance;
    let b: LockInstance;
    let c: LockInstance;
    const cursorTableByKind = new Map<DatabaseKind, CursorTable>();
    const cursorDatabases: Array<{ database: TestDatabase; dataSource: DataSource }> = [];
    let keyCounter = 0;
    const nextKey = (): string => `key-${++keyCounter}`;

    beforeAll(async () => {
      backend = await createLockBackend(kind);
      [a, b, c] = await Promise.all([backend.openInstance(), backend.openInstance(), backend.openInstance()]);
      for (const tableKind of cursorTables) {
        if (tableKind === kind) {
          cursorTableByKind.set(tableKind, cursorTableOn((backend as DatabaseLockBackend).dataSource));
          continue;
        }
        const database = await createTestDatabase(tableKind);
        const dataSource = await openDataSource(database);
        cursorDatabases.push({ database, dataSource });
        cursorTableByKind.set(tableKind, cursorTableOn(dataSource));
      }
    });

    afterAll(async () => {
      for (const { database, dataSource } of cursorDatabases) {
        await dataSource.destroy();
        await database.drop();
      }
      await backend?.close();
    });

    it('lets exactly one of many concurrent holders from two instances win a free key', async () => {
      const key = nextKey();

      const leases = await Promise.all(
        Array.from({ length: 20 }, (_, index) => [a, b][index % 2].provider.tryLock(key, LONG_TTL_MS)),
      );

      const winners = leases.filter((lease): lease is Lease => lease !== null);
      expect(winners).toHaveLength(1);
      expect(winners[0].key).toBe(key);
      expect(winners[0].token).toBeGreaterThan(0);
      await expect(c.provider.tryLock(key, LONG_TTL_MS)).resolves.toBeNull();
    });

    it('lets exactly one of many concurrent holders take over a lease that ran out', async () => {
      const key = nextKey();
      const expired = (await a.provider.tryLock(key, SHORT_TTL_MS))!;
      // No event announces an expiry, and probing with tryLock would take the key: let the ttl pass.
      await delay(SHORT_TTL_MS + 50);

      const leases = await Promise.all(
        Array.from({ length: 20 }, (_, index) => [b, c][index % 2].provider.tryLock(key, LONG_TTL_MS)),
      );

      const winners = leases.filter((lease): lease is Lease => lease !== null);
      expect(winners).toHaveLength(1);
      expect(winners[0].token).toBeGreaterThan(expired.token);
    });

    it('refuses a held key to other holders until the lease runs out', async () => {
      const key = nextKey();
      const first = (await a.provider.tryLock(key, SHORT_TTL_MS))!;

      await expect(b.provider.tryLock(key, SHORT_TTL_MS)).resolves.toBeNull();
      await expect(a.provider.tryLock(key, SHORT_TTL_MS)).resolves.toBeNull();
      const second = await acquireWhenFree(b.provider, key, LONG_TTL_MS);

      expect(second.token).toBeGreaterThan(first.token);
    });

    it('gives a higher fencing token to the holder taking over an expired lease and denies the old one extend()', async () => {
      const key = nextKey();
      const stale = (await a.provider.tryLock(key, SHORT_TTL_MS))!;
      await expect(stale.extend(SHORT_TTL_MS)).resolves.toBe(true);

      const current = await acquireWhenFree(b.provider, key, LONG_TTL_MS);

      expect(current.token).toBeGreaterThan(stale.token);
      await expect(stale.extend(LONG_TTL_MS)).resolves.toBe(false);
      await expect(current.extend(LONG_TTL_MS)).resolves.toBe(true);
      await expect(c.provider.tryLock(key, LONG_TTL_MS)).resolves.toBeNull();
    });

    it('keeps a lease alive past its first ttl when extend() is called in time', async () => {
      const key = nextKey();
      const lease = (await a.provider.tryLock(key, SHORT_TTL_MS))!;

      await expect(lease.extend(LONG_TTL_MS)).resolves.toBe(true);
      // Outlive the first ttl: only the extension can keep the key held now.
      await delay(SHORT_TTL_MS + 100);

      await expect(b.provider.tryLock(key, LONG_TTL_MS)).resolves.toBeNull();
      await expect(lease.extend(LONG_TTL_MS)).resolves.toBe(true);
    });

    it("leaves the new holder's lock in place when a taken-over lease is released", async () => {
      const key = nextKey();
      const stale = (await a.provider.tryLock(key, SHORT_TTL_MS))!;
      const current = await acquireWhenFree(b.provider, key, LONG_TTL_MS);

      await stale.release();

      await expect(c.provider.tryLock(key, LONG_TTL_MS)).resolves.toBeNull();
      await expect(a.provider.tryLock(key, LONG_TTL_MS)).resolves.toBeNull();
      await expect(current.extend(LONG_TTL_MS)).resolves.toBe(true);
    });

    it('frees the key at once when the holder releases it', async () => {
      const key = nextKey();
      const lease = (await a.provider.tryLock(key, LONG_TTL_MS))!;

      await lease.release();

      const next = await b.provider.tryLock(key, LONG_TTL_MS);
      expect(next).not.toBeNull();
      await expect(lease.extend(LONG_TTL_MS)).resolves.toBe(false);
    });

    it('keeps increasing fencing tokens across releases and re-acquisitions by any instance', async () => {
      const key = nextKey();
      const tokens: number[] = [];

      for (const instance of [a, a, b, c, b, a]) {
        const lease = (await instance.provider.tryLock(key, LONG_TTL_MS))!;
        tokens.push(lease.token);
        await lease.release();
      }

      for (let index = 1; index < tokens.length; index += 1) {
        expect(tokens[index]).toBeGreaterThan(tokens[index - 1]);
      }
    });

    it('rejects instead of reporting the key as held when its connection is gone', async () => {
      const cutOff = await backend.openInstance();
      await cutOff.crash();

      await expect(cutOff.provider.tryLock(nextKey(), LONG_TTL_MS)).rejects.toThrow();
    });

    it('gives each key its own lock', async () => {
      const first = await a.provider.tryLock(nextKey(), LONG_TTL_MS);
      const second = await b.provider.tryLock(nextKey(), LONG_TTL_MS);

      expect(first).not.toBeNull();
      expect(second).not.toBeNull();
    });

    describe.each(cursorTables)('guarding the %s donation_cursors table', (tableKind) => {
      let table: CursorTable;

      beforeAll(() => {
        table = cursorTableByKind.get(tableKind)!;
      });

      async function newStreamerId(): Promise<string> {
        const twitchId = uniqueName('twitch');
        const streamer = await table.streamers.create({ twitchId, login: twitchId, displayName: twitchId });
        return streamer.id;
      }

      it("changes nothing for a stale holder's token and lets the new holder move the cursor", async () => {
        const key = nextKey();
        const streamerId = await newStreamerId();
        const stale = (await a.provider.tryLock(key, SHORT_TTL_MS))!;
        await expect(table.cursors.advance(streamerId, 100, stale.token)).resolves.toBe(true);

        const current = await acquireWhenFree(b.provider, key, LONG_TTL_MS);
        await expect(table.cursors.advance(streamerId, 110, current.token)).resolves.toBe(true);
        const before = await table.cursors.find(streamerId);

        await expect(table.cursors.advance(streamerId, 500, stale.token)).resolves.toBe(false);

        await expect(table.cursors.find(streamerId)).resolves.toEqual(before);
        expect(before).toMatchObject({ lastDonationId: 110, fencingToken: current.token });
        await expect(table.cursors.advance(streamerId, 120, current.token)).resolves.toBe(true);
        await expect(table.cursors.find(streamerId)).resolves.toMatchObject({
          lastDonationId: 120,
          fencingToken: current.token,
        });
      });

      it("refuses a stale holder's first write after the new holder's", async () => {
        const key = nextKey();
        const streamerId = await newStreamerId();
        const stale = (await a.provider.tryLock(key, SHORT_TTL_MS))!;
        const current = await acquireWhenFree(b.provider, key, LONG_TTL_MS);
        await expect(table.cursors.advance(streamerId, 7, current.token)).resolves.toBe(true);

        await expect(table.cursors.advance(streamerId, 8, stale.token)).resolves.toBe(false);

        await expect(table.cursors.find(streamerId)).resolves.toMatchObject({
          lastDonationId: 7,
          fencingToken: current.token,
        });
      });

      it('never moves the cursor backwards, even for the current holder', async () => {
        const key = nextKey();
        const streamerId = await newStreamerId();
        const lease = (await a.provider.tryLock(key, LONG_TTL_MS))!;
        await expect(table.cursors.advance(streamerId, 1000, lease.token)).resolves.toBe(true);

        await expect(table.cursors.advance(streamerId, 999, lease.token)).resolves.toBe(true);
        await expect(table.cursors.find(streamerId)).resolves.toMatchObject({ lastDonationId: 1000 });
        await lease.release();
        const next = (await b.provider.tryLock(key, LONG_TTL_MS))!;
        await expect(table.cursors.advance(streamerId, 10, next.token)).resolves.toBe(true);
        await expect(table.cursors.find(streamerId)).resolves.toMatchObject({
          lastDonationId: 1000,
          fencingToken: next.token,
        });
        await expect(table.cursors.advance(streamerId, 2000, lease.token)).resolves.toBe(false);
        await expect(table.cursors.find(streamerId)).resolves.toMatchObject({ lastDonationId: 1000 });
      });
    });

    describe('withLock', () => {
      it('runs fn under the lease and releases the lock afterwards', async () => {
        const key = nextKey();

        const result = await a.provider.withLock(key, LONG_TTL_MS, async (lease) => {
          expect(lease.key).toBe(key);
          await expect(b.provider.tryLock(key, LONG_TTL_MS)).resolves.toBeNull();
          return lease.token;
        });

        expect(result).toBeGreaterThan(0);
        const next = await b.provider.tryLock(key, LONG_TTL_MS);
        expect(next).not.toBeNull();
        expect(next!.token).toBeGreaterThan(result);
      });

      it('releases the lock and passes the error on when fn throws', async () => {
        const key = nextKey();
        const failure = new Error('job failed');

        await expect(a.provider.withLock(key, LONG_TTL_MS, () => Promise.reject(failure))).rejects.toBe(
          failure,
        );

        await expect(b.provider.tryLock(key, LONG_TTL_MS)).resolves.not.toBeNull();
      });

      it("passes fn's own error on even when the release fails because the connection is gone", async () => {
        const cutOff = await backend.openInstance();
        const failure = new Error('job failed');

        await expect(
          cutOff.provider.withLock(nextKey(), LONG_TTL_MS, async () => {
            await cutOff.crash();
            throw failure;
          }),
        ).rejects.toBe(failure);
      });

      it('waits for a busy lock that its holder releases within waitMs', async () => {
        const key = nextKey();
        const holder = (await a.provider.tryLock(key, LONG_TTL_MS))!;
        let releasedAt = Number.POSITIVE_INFINITY;
        const holderWork = delay(200).then(async () => {
          releasedAt = Date.now();
          await holder.release();
        });
        let ranAt = 0;

        const token = await b.provider.withLock(
          key,
          LONG_TTL_MS,
          (lease) => {
            ranAt = Date.now();
            return Promise.resolve(lease.token);
          },
          { waitMs: 5000, retryDelayMs: 20 },
        );
        await holderWork;

        expect(ranAt).toBeGreaterThanOrEqual(releasedAt);
        expect(token).toBeGreaterThan(holder.token);
      });

      it('throws LockUnavailableError without running fn when the lock stays busy for waitMs', async () => {
        const key = nextKey();
        await a.provider.tryLock(key, LONG_TTL_MS);
        const fn = jest.fn(() => Promise.resolve());
        const started = Date.now();

        const attempt = b.provider.withLock(key, LONG_TTL_MS, fn, { waitMs: 300, retryDelayMs: 20 });

        await expect(attempt).rejects.toBeInstanceOf(LockUnavailableError);
        await expect(attempt).rejects.toMatchObject({ key });
        expect(Date.now() - started).toBeGreaterThanOrEqual(300);
        expect(fn).not.toHaveBeenCalled();
      });

      it('throws LockUnavailableError at once for a busy lock without waitMs', async () => {
        const key = nextKey();
        await a.provider.tryLock(key, LONG_TTL_MS);

        await expect(b.provider.withLock(key, LONG_TTL_MS, () => Promise.resolve())).rejects.toBeInstanceOf(
          LockUnavailableError,
        );
      });
    });
  });
});

describe(RedisLockProvider.name, () => {
  const config = testRedisConfig();
  let connection: RedisConnection;
  let provider: RedisLockProvider;
  let keyCounter = 0;
  const nextKey = (): string => `fence-loss-${++keyCounter}`;

  beforeAll(async () => {
    Logger.overrideLogger(['error']);
    connection = await openRedis(config);
    provider = new RedisLockProvider(connection);
  });

  afterAll(async () => {
    await connection?.close();
    await clearRedisPrefix(config.keyPrefix);
  });

  /**
   * What a Redis restart without persistence does to the fencing counter. A restart takes time; a few
   * milliseconds of downtime keep the test from depending on two acquisitions landing in the same millisecond.
   */
  async function loseFenceCounter(key: string): Promise<void> {
    await expect(connection.client!.del(connection.key('fence', key))).resolves.toBe(1);
    await delay(RESTART_DOWNTIME_MS);
  }

  it('stores the lock and its fencing counter under the connection key prefix', async () => {
    const key = nextKey();
    const lease = (await provider.tryLock(key, LONG_TTL_MS))!;

    await expect(connection.client!.exists(connection.key('lock', key))).resolves.toBe(1);
    await expect(connection.client!.get(connection.key('fence', key))).resolves.toBe(String(lease.token));
  });

  it('never hands out a lower fencing token after the fence counter key is lost', async () => {
    const key = nextKey();
    const before = (await provider.tryLock(key, LONG_TTL_MS))!;
    await before.release();

    await loseFenceCounter(key);
    const after = (await provider.tryLock(key, LONG_TTL_MS))!;

    expect(after.token).toBeGreaterThan(before.token);
  });

  it('never hands out a lower fencing token after the fence counter key is lost soon after a burst of hand-overs', async () => {
    const key = nextKey();
    let highest = 0;
    for (let round = 0; round < 200; round += 1) {
      const lease = (await provider.tryLock(key, LONG_TTL_MS))!;
      highest = Math.max(highest, lease.token);
      await lease.release();
    }

    await loseFenceCounter(key);
    const after = (await provider.tryLock(key, LONG_TTL_MS))!;

    expect(after.token).toBeGreaterThan(highest);
  });
});
