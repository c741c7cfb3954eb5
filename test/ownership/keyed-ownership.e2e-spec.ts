import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { LockKeys } from '../../libs/locks';
import { KeyedOwnership, RedisOwnershipStore } from '../../libs/ownership';
import {
  FAST_OWNERSHIP,
  OWNERSHIP_KIND,
  OwnershipCluster,
  type Member,
  type OwnershipBackend,
} from '../support/ownership-cluster';
import { TEST_REDIS_URL } from '../support/services';
import { waitFor, within } from '../support/waiting';

/** Room for a few round trips on a busy CI machine. */
const SLACK_MS = 1000;
const NINE_KEYS = Array.from({ length: 9 }, (_, i) => `streamer-${i + 1}`);

/** Polls the key's PTTL until `until` settles; resolves with the latest expiry seen (0 when never held). */
async function watchExpiry(observer: Redis, key: string, until: Promise<void>): Promise<number> {
  let ended = false;
  void until.then(() => (ended = true));
  let expiry = 0;
  while (!ended) {
    const askedAt = Date.now();
    const ttl = await observer.pttl(key);
    if (ttl > 0 && !ended) {
      expiry = askedAt + ttl;
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return expiry;
}

describe(KeyedOwnership.name, () => {
  let cluster: OwnershipCluster | undefined;

  async function newCluster(backend: OwnershipBackend, wanted: string[]): Promise<OwnershipCluster> {
    cluster = await OwnershipCluster.create(backend);
    cluster.wanted = [...wanted];
    return cluster;
  }

  /** Joins `count` members and waits until every one sees them all live, so the first pass splits fairly. */
  async function joinAll(count: number): Promise<Member[]> {
    const members = await Promise.all(Array.from({ length: count }, () => cluster!.join()));
    const expected = cluster!.running.length;
    await waitFor(
      async () =>
        (
          await Promise.all(members.map(async ({ ownership }) => (await ownership.liveInstances()).length))
        ).every((live) => live === expected),
      { what: `${expected} live heartbeats` },
    );
    return members;
  }

  async function settledOverNineKeys(count: number): Promise<Member[]> {
    const members = await joinAll(count);
    await cluster!.pass();
    await cluster!.pass();
    expect(cluster!.settled()).toBe(true);
    return members;
  }

  function lockKey(key: string): string {
    return LockKeys.owned(OWNERSHIP_KIND, key);
  }

  beforeAll(() => {
    Logger.overrideLogger(['error']);
  });

  afterEach(async () => {
    const overlaps = cluster?.log.overlaps ?? [];
    await cluster?.close();
    cluster = undefined;
    expect(overlaps).toEqual([]);
  });

  describe.each<OwnershipBackend>(['redis', 'postgres'])('with %s leases and Redis state', (backend) => {
    it('runs every wanted key on a lone instance, and stops and releases a key that is no longer wanted', async () => {
      await newCluster(backend, ['a', 'b', 'c']);
      const [only] = await joinAll(1);

      await expect(only.ownership.watchdog()).resolves.toEqual({
        claimed: 3,
        released: 0,
        restarted: 0,
        shed: 0,
      });
      expect(only.ownership.owned().sort()).toEqual(['a', 'b', 'c']);
      expect(['a', 'b', 'c'].map((key) => cluster!.log.alive(key).length)).toEqual([1, 1, 1]);
      const [run] = cluster!.log.alive('b');

      cluster!.wanted = ['a', 'c'];
      await expect(only.ownership.watchdog()).resolves.toEqual({
        claimed: 0,
        released: 1,
        restarted: 0,
        shed: 0,
      });

      expect(run.abortedAt).toBeDefined();
      expect(cluster!.log.alive('b')).toEqual([]);
      expect(only.ownership.owned().sort()).toEqual(['a', 'c']);
      expect((await only.ownership.states()).map(({ key }) => key)).toEqual(['a', 'c']);
      const other = await cluster!.join();
      const lease = await other.lock.provider.tryLock(lockKey('b'), 1000);
      expect(lease).not.toBeNull();
      await lease!.release();
    });

    it('splits nine keys over three instances, each key owned once, never two workers of a key at once', async () => {
      await newCluster(backend, NINE_KEYS);
      const members = await settledOverNineKeys(3);

      for (const { ownership } of members) {
        expect(ownership.owned().length).toBeGreaterThanOrEqual(2);
        expect(ownership.owned().length).toBeLessThanOrEqual(4);
      }
      cluster!.startTicking();
      // Nothing announces that nothing changed: let a few leases' worth of renewals and passes go by.
      await new Promise((resolve) => setTimeout(resolve, FAST_OWNERSHIP.leaseMs * 3));
      expect(cluster!.settled()).toBe(true);
      expect(cluster!.log.runs).toHaveLength(9);
      const states = await members[0].ownership.states();
      expect(states.map(({ key, owner }) => [key, owner])).toEqual(
        NINE_KEYS.map((key) => [key, cluster!.owners().get(key)![0]]),
      );
    });

    it('spends no slack before the others had a pass: three instances passing one after another get 3 each', async () => {
      await newCluster(backend, NINE_KEYS);
      const members = await joinAll(3);

      for (const { ownership } of members) {
        await ownership.watchdog();
      }
      await cluster!.pass();

      expect(members.map(({ ownership }) => ownership.owned().length)).toEqual([3, 3, 3]);
      expect(cluster!.settled()).toBe(true);
    });

    it('spreads the keys of a cold start: the first instance up took all nine, the two that join get 3 each', async () => {
      await newCluster(backend, NINE_KEYS);
      const [first] = await joinAll(1);
      await first.ownership.watchdog();
      expect(first.ownership.owned()).toHaveLength(9);

      await joinAll(2);
      await expect(first.ownership.watchdog()).resolves.toMatchObject({ shed: 6, claimed: 0 });
      await cluster!.pass();
      await cluster!.pass();

      expect(cluster!.running.map(({ ownership }) => ownership.owned().length)).toEqual([3, 3, 3]);
      expect(cluster!.settled()).toBe(true);
      expect(cluster!.log.runs).toHaveLength(9 + 6);
    });

    it('gives the slack back when a late joiner is short and nothing is free: 4, 4 and 1 of nine end within one of 3', async () => {
      await newCluster(backend, NINE_KEYS.slice(0, 8));
      const [first, second] = await settledOverNineKeys(2);
      expect([first, second].map(({ ownership }) => ownership.owned().length)).toEqual([4, 4]);
      const [late] = await joinAll(1);
      cluster!.wanted = [...NINE_KEYS];
      await late.ownership.watchdog();
      expect(late.ownership.owned()).toEqual(['streamer-9']);

      // 4 is within share plus slack: only the late one's shortage makes the first hand a key back; then a key
      // is free for the late one, so the second keeps its slack.
      await expect(first.ownership.watchdog()).resolves.toMatchObject({ shed: 1 });
      await expect(second.ownership.watchdog()).resolves.toMatchObject({ shed: 0 });
      await cluster!.pass();
      await cluster!.pass();

      for (const { ownership } of cluster!.running) {
        expect(ownership.owned().length).toBeGreaterThanOrEqual(2);
        expect(ownership.owned().length).toBeLessThanOrEqual(4);
      }
      expect(cluster!.settled()).toBe(true);
    });

    it('is sticky: a fourth instance joining takes no key from healthy owners', async () => {
      await newCluster(backend, NINE_KEYS);
      await settledOverNineKeys(3);
      const before = cluster!.owners();

      const [late] = await joinAll(1);
      for (let i = 0; i < 3; i += 1) {
        await cluster!.pass();
      }

      expect(late.ownership.owned()).toEqual([]);
      expect(cluster!.owners()).toEqual(before);
      expect(cluster!.log.runs).toHaveLength(9);
    });

    it("hands a crashed instance's keys to the others within a lease and a pass, with higher epochs", async () => {
      await newCluster(backend, NINE_KEYS);
      const [crashed] = await settledOverNineKeys(3);
      const orphaned = crashed.ownership.owned();
      const oldEpochs = new Map(cluster!.log.runs.map((run) => [run.key, run.epoch]));
      cluster!.startTicking();

      const crashedAt = Date.now();
      crashed.ownership.crash();
      await crashed.lock.crash();
      crashed.gone = true;

      const bound = FAST_OWNERSHIP.leaseMs + FAST_OWNERSHIP.renewMs + SLACK_MS;
      const takenOver = () =>
        orphaned.every((key) => cluster!.log.alive(key).some((run) => run.instanceId !== crashed.instanceId));
      await waitFor(() => cluster!.settled() && takenOver(), {
        timeoutMs: bound,
        what: 'the survivors owning and running every key',
      });
      expect(Date.now() - crashedAt).toBeLessThanOrEqual(bound);
      for (const key of orphaned) {
        const [takeover] = cluster!.log.alive(key).filter((run) => run.instanceId !== crashed.instanceId);
        expect(takeover).toBeDefined();
        expect(takeover.epoch).toBeGreaterThan(oldEpochs.get(key)!);
      }
    });

    it('releases at once on a graceful stop: the others claim on their next pass, long before the lease', async () => {
      await newCluster(backend, ['a', 'b', 'c', 'd']);
      const [leaving, staying] = await Promise.all([
        cluster!.join({ leaseMs: 5000 }),
        cluster!.join({ leaseMs: 5000 }),
      ]);
      await waitFor(async () => (await staying.ownership.liveInstances()).length === 2);
      await cluster!.pass();
      const handedOver = leaving.ownership.owned();
      expect(handedOver).toHaveLength(2);

      const stoppedAt = Date.now();
      await leaving.ownership.stop();
      leaving.gone = true;
      expect(handedOver.every((key) => cluster!.log.alive(key).length === 0)).toBe(true);
      await expect(staying.ownership.watchdog()).resolves.toMatchObject({ claimed: 2 });

      expect(Date.now() - stoppedAt).toBeLessThan(SLACK_MS);
      expect(staying.ownership.owned().sort()).toEqual(['a', 'b', 'c', 'd']);
    });

    it('restarts a worker that finished on its own on the next pass, under the same lease', async () => {
      await newCluster(backend, ['a', 'b']);
      const [only] = await joinAll(1);
      await only.ownership.watchdog();
      const [first] = cluster!.log.alive('a');

      first.finish(new Error('socket closed'));
      await waitFor(async () => (await only.ownership.states())[0].status === 'crashed');
      expect((await only.ownership.states())[0]).toMatchObject({
        owner: only.instanceId,
        lastError: 'socket closed',
      });
      await expect(only.ownership.watchdog()).resolves.toEqual({
        claimed: 0,
        released: 0,
        restarted: 1,
        shed: 0,
      });

      const [second] = cluster!.log.alive('a');
      expect(second).not.toBe(first);
      expect(second.epoch).toBe(first.epoch);
      expect(first.abortedAt).toBeDefined();
      await expect(only.ownership.watchdog()).resolves.toEqual({
        claimed: 0,
        released: 0,
        restarted: 0,
        shed: 0,
      });
    });

    it('refuses a report with a stale epoch; states() and state() on another instance show owner, status and epoch', async () => {
      await newCluster(backend, ['a']);
      const [owner, other] = await joinAll(2);
      await cluster!.pass();
      const holder = owner.ownership.owned().length === 1 ? owner : other;
      const reader = holder === owner ? other : owner;
      const [run] = cluster!.log.alive('a');

      await expect(holder.ownership.report('a', run.epoch, 'connected')).resolves.toBe(true);
      await expect(holder.ownership.report('a', run.epoch - 1, 'stale')).resolves.toBe(false);
      await expect(reader.ownership.report('a', run.epoch, 'not mine')).resolves.toBe(false);
      await expect(reader.ownership.states()).resolves.toEqual([
        expect.objectContaining({
          key: 'a',
          owner: holder.instanceId,
          status: 'connected',
          epoch: run.epoch,
        }),
      ]);
      await expect(reader.ownership.state('a')).resolves.toMatchObject({
        owner: holder.instanceId,
        status: 'connected',
      });
      await expect(reader.ownership.state('unknown')).resolves.toBeNull();

      await holder.ownership.stop();
      holder.gone = true;
      await reader.ownership.watchdog();
      const [takeover] = cluster!.log.alive('a');
      expect(takeover.epoch).toBeGreaterThan(run.epoch);
      await expect(holder.ownership.report('a', run.epoch, 'zombie')).resolves.toBe(false);
      // Even a write that skips the local check is fenced where it lands.
      const store = new RedisOwnershipStore(
        holder.redis.client ? holder.redis : reader.redis,
        OWNERSHIP_KIND,
        400,
      );
      const stale = { key: 'a', owner: holder.instanceId, since: 0, status: 'zombie', lastError: null };
      await expect(store.write({ ...stale, epoch: run.epoch, updatedAt: Date.now() })).resolves.toBe(false);
      await expect(reader.ownership.states()).resolves.toEqual([
        expect.objectContaining({ owner: reader.instanceId, status: 'running', epoch: takeover.epoch }),
      ]);
    });
  });

  describe('with a Redis connection that stops answering', () => {
    let resumeStalled: () => void = () => undefined;

    afterEach(() => resumeStalled());

    it("aborts a paused instance's workers before its leases expire, before anyone else starts them", async () => {
      await newCluster('redis', ['a', 'b', 'c', 'd']);
      const [paused, healthy] = await joinAll(2);
      await cluster!.pass();
      const keys = paused.ownership.owned();
      expect(keys).toHaveLength(2);
      const observer = new Redis(TEST_REDIS_URL);
      // Each lock's expiry as Redis has it, read from outside until the paused owner's worker ends. A lower
      // bound: the TTL is counted from when the question was sent.
      const expiries = new Map<string, Promise<number>>();
      for (const key of keys) {
        const [run] = cluster!.log.alive(key);
        expiries.set(key, watchExpiry(observer, paused.redis.key('lock', lockKey(key)), run.ended));
      }
      cluster!.startTicking();

      const stream = paused.redis.client!.stream;
      stream.pause();
      resumeStalled = () => {
        stream.resume();
        resumeStalled = () => undefined;
      };

      try {
        for (const key of keys) {
          const expiry = await within(
            expiries.get(key)!,
            FAST_OWNERSHIP.leaseMs + SLACK_MS,
            `${key} aborting`,
          );
          const [old] = cluster!.log.runs.filter((run) => run.key === key);
          expect(old.abortReason).toBe(`${key}: the lease was not renewed in time`);
          expect(old.abortedAt!).toBeLessThan(expiry);
        }
        await waitFor(
          () =>
            keys.every((key) => cluster!.log.alive(key).some((run) => run.instanceId === healthy.instanceId)),
          {
            timeoutMs: FAST_OWNERSHIP.leaseMs * 2 + SLACK_MS,
            what: 'the healthy instance taking the keys over',
          },
        );
      } finally {
        observer.disconnect();
      }
      for (const key of keys) {
        const runs = cluster!.log.runs.filter((run) => run.key === key);
        const [old, takeover] = runs;
        expect(old.instanceId).toBe(paused.instanceId);
        expect(takeover.instanceId).toBe(healthy.instanceId);
        expect(takeover.startedAt).toBeGreaterThanOrEqual(old.abortedAt!);
      }
      expect(paused.ownership.owned()).toEqual([]);
    });
  });

  describe('without Redis (SQLite leases, state in memory)', () => {
    it('owns every key on the one instance through the same class', async () => {
      await newCluster('sqlite', ['a', 'b', 'c']);
      const only = await cluster!.join();
      expect(only.redis.client).toBeNull();

      await expect(only.ownership.watchdog()).resolves.toEqual({
        claimed: 3,
        released: 0,
        restarted: 0,
        shed: 0,
      });

      await expect(only.ownership.liveInstances()).resolves.toEqual([only.instanceId]);
      expect(only.ownership.owned().sort()).toEqual(['a', 'b', 'c']);
      const [run] = cluster!.log.alive('b');
      await expect(only.ownership.report('b', run.epoch, 'connected')).resolves.toBe(true);
      await expect(only.ownership.report('b', run.epoch + 1, 'wrong epoch')).resolves.toBe(false);
      await expect(only.ownership.states()).resolves.toEqual([
        expect.objectContaining({ key: 'a', owner: only.instanceId, status: 'running' }),
        expect.objectContaining({ key: 'b', owner: only.instanceId, status: 'connected', epoch: run.epoch }),
        expect.objectContaining({ key: 'c', owner: only.instanceId, status: 'running' }),
      ]);

      await only.ownership.stop();
      only.gone = true;
      const lease = await only.lock.provider.tryLock(lockKey('b'), 1000);
      expect(lease?.token).toBeGreaterThan(run.epoch);
      await lease!.release();
    });
  });
});
