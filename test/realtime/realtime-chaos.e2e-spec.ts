import { Redis } from 'ioredis';
import { setTimeout as delay } from 'node:timers/promises';
import type { DataSource } from 'typeorm';
import type { Environment } from '../../config';
import type { KeyState } from '../../libs/ownership';
import type { RealtimeStats } from '../../src/realtime/realtime-stats.service';
import type { FakeCentrifugo } from '../fakes/fake-centrifugo';
import { FakeDonationAlerts, type FakeDonation } from '../fakes/fake-donationalerts';
import { adminGet, AppProcesses, type AppProcess } from '../support/app-processes';
import { openDataSource } from '../support/databases';
import { createBackingServices, type BackingServices } from '../support/deployments';
import {
  donationAlertsEnv,
  seedConnectedStreamers,
  type DonationAlertsStreamer,
} from '../support/donation-alerts';
import { httpGet } from '../support/http';
import { metricValue } from '../support/metrics';
import { TEST_REDIS_URL } from '../support/services';
import { waitFor, within } from '../support/waiting';

/**
 * Three real processes of the compiled app on one PostgreSQL schema and one Redis prefix, against the fake
 * DonationAlerts and its Centrifugo in this process. The cluster timings are scaled down (a lease of 800 ms
 * instead of 30 s) so a crash, a pause and a takeover take seconds, and everything is watched from outside, as
 * an operator would: the admin stats route, /metrics, the shared ownership state in Redis, the database rows,
 * and the fake's sockets, which count every user's concurrent connections over the whole test.
 */

const INSTANCE_IDS = ['chaos-a', 'chaos-b', 'chaos-c'];
const STREAMERS = 9;
const CLUSTER_RENEW_MS = 200;
const CLUSTER_LEASE_MS = 800;
const WATCHDOG_INTERVAL_MS = 300;
/**
 * What a loaded 2-core CI machine may add to a takeover on top of the lease and one watchdog period: three
 * Node processes, PostgreSQL, Redis and this test process share the cores, and the takeover makes its own
 * round trips (lock, user/oauth, connect, centrifuge/subscribe, subscribe).
 */
const CI_SLACK_MS = 1000;
/** A dead or paused owner's lease runs out, then the next watchdog pass of a survivor claims its streamers. */
const TAKEOVER_BOUND_MS = CLUSTER_LEASE_MS + WATCHDOG_INTERVAL_MS + CI_SLACK_MS;
/** A process woken by SIGCONT finds every lease it held overdue at once, so it closes their sockets at once. */
const STALE_CLOSE_BOUND_MS = CI_SLACK_MS;
/** Loading the compiled app took up to 40 s per process on a 2-core machine busy with other builds. */
const BOOT_TIMEOUT_MS = 90_000;
/** From every instance live to every streamer connected in fair shares: a few watchdog periods, and churn. */
const SETTLE_TIMEOUT_MS = 30_000;
const TEST_TIMEOUT_MS = BOOT_TIMEOUT_MS + 3 * SETTLE_TIMEOUT_MS;
/**
 * Ownership is sticky: over this many watchdog periods of a healthy cluster nothing may move. Nothing
 * announces that nothing happened, so this time itself has to pass.
 */
const STICKY_OBSERVATION_MS = 5 * WATCHDOG_INTERVAL_MS;

describe('Realtime push on three processes (postgres+redis) through crashes and pauses', () => {
  let services: BackingServices;
  let dataSource: DataSource;
  let da: FakeDonationAlerts;
  let centrifugo: FakeCentrifugo;
  let processes: AppProcesses;
  let redis: Redis;

  beforeEach(async () => {
    processes = new AppProcesses();
    services = await createBackingServices('postgres+redis');
    // Migrated here, once, so three instances starting together find nothing to migrate.
    dataSource = await openDataSource(services.database);
    // The budget is not the subject here (realtime-budget.e2e-spec is): room for every socket and poll of a
    // cold start, a takeover and a rebalance.
    da = await FakeDonationAlerts.start({ appRateLimit: 6000 });
    centrifugo = await da.startCentrifugo();
    redis = new Redis(TEST_REDIS_URL);
  });

  afterEach(async () => {
    await processes?.close();
    redis?.disconnect();
    await da?.close();
    await dataSource?.destroy();
    await services?.close();
  });

  function clusterEnv(): Environment {
    return {
      ...services.env,
      ...donationAlertsEnv(da),
      DA_REALTIME_ENABLED: 'true',
      DA_CENTRIFUGO_URL: centrifugo.url,
      CLUSTER_RENEW_MS: String(CLUSTER_RENEW_MS),
      CLUSTER_LEASE_MS: String(CLUSTER_LEASE_MS),
      WATCHDOG_INTERVAL_MS: String(WATCHDOG_INTERVAL_MS),
      DA_REALTIME_RECONNECT_MIN_MS: '100',
      DA_REALTIME_RECONNECT_MAX_MS: '1000',
      LEADER_HEARTBEAT_MS: '500',
      LEADER_LEASE_MS: '2000',
      DA_APP_RATE_LIMIT: '6000',
      MAX_REQUESTS_PER_WINDOW: '600',
    };
  }

  async function startCluster(): Promise<{ streamers: DonationAlertsStreamer[]; instances: AppProcess[] }> {
    const streamers = await seedConnectedStreamers(dataSource, da, STREAMERS);
    const instances = await processes.start(INSTANCE_IDS, clusterEnv(), { timeoutMs: BOOT_TIMEOUT_MS });
    return { streamers, instances };
  }

  /** The admin stats route of the first instance in `asked` (a stopped one would not answer). */
  function statsFrom(asked: AppProcess[]): Promise<RealtimeStats> {
    return adminGet<RealtimeStats>(asked[0], '/api/donationalerts/realtime/stats');
  }

  /** Streamer ids per owner, as the stats route shows them. */
  function ownersIn(stats: RealtimeStats): Map<string, string[]> {
    const owners = new Map<string, string[]>();
    for (const [streamerId, { owner }] of Object.entries(stats.streamers)) {
      if (owner) {
        owners.set(owner, [...(owners.get(owner) ?? []), streamerId].sort());
      }
    }
    return owners;
  }

  /** The shared ownership state every instance writes (fenced by epoch) and the stats route reads. */
  async function ownershipStates(): Promise<Map<string, KeyState>> {
    const fields = await redis.hgetall(`${services.env.REDIS_KEY_PREFIX}ownership:realtime:states`);
    return new Map(
      Object.values(fields).map((json) => {
        const state = JSON.parse(json) as KeyState;
        return [state.key, state];
      }),
    );
  }

  async function cursorCount(): Promise<number> {
    const [{ count }] = await dataSource.query<Array<{ count: string }>>(
      'SELECT COUNT(*) AS count FROM donation_cursors',
    );
    return Number(count);
  }

  function rowsOf(donation: FakeDonation): Promise<Array<{ channel: string }>> {
    return dataSource.query('SELECT channel FROM donations WHERE external_id = $1', [String(donation.id)]);
  }

  async function pushesCountedBy(instance: AppProcess): Promise<number> {
    const { body } = await httpGet(`${instance.baseUrl}/metrics`);
    return metricValue(body, 'da_realtime_pushes_total');
  }

  /** The instance running the most streamers (the first of them on a tie). */
  function busiest(instances: AppProcess[], owners: Map<string, string[]>): AppProcess {
    return instances.reduce((most, instance) =>
      (owners.get(instance.id)?.length ?? 0) > (owners.get(most.id)?.length ?? 0) ? instance : most,
    );
  }

  /**
   * Waits until the `live` instances run every streamer on a connected socket, each subscribed exactly once at
   * the fake (sockets of `staleClients` aside), in shares within ±1 of the even one, and every streamer's
   * first poll has set its cursor (so a donation made later is one a poll must find). Fails with the last
   * thing that was not so.
   */
  async function settled(
    live: AppProcess[],
    streamers: DonationAlertsStreamer[],
    staleClients: ReadonlySet<string> = new Set(),
  ): Promise<{ stats: RealtimeStats; owners: Map<string, string[]> }> {
    const share = Math.ceil(STREAMERS / live.length);
    const deadline = Date.now() + SETTLE_TIMEOUT_MS;
    let missing: string;
    for (;;) {
      const stats = await statsFrom(live).catch((error: Error) => error);
      if (stats instanceof Error) {
        missing = stats.message;
      } else {
        const owners = ownersIn(stats);
        const counts = live.map(({ id }) => owners.get(id)?.length ?? 0);
        const notConnected = streamers.filter((s) => stats.streamers[s.streamerId]?.state !== 'connected');
        const subscriptions = streamers.map(
          ({ daUserId }) =>
            centrifugo.subscriptionsOf(daUserId).filter(({ client }) => !staleClients.has(client)).length,
        );
        const cursors = await cursorCount();
        missing = [
          notConnected.length > 0 ? `${notConnected.length} not connected` : '',
          subscriptions.some((count) => count !== 1) ? `subscriptions ${subscriptions.join('/')}` : '',
          counts.some((count) => Math.abs(count - share) > 1) ? `shares ${counts.join('/')}` : '',
          [...owners.keys()].some((owner) => !live.some(({ id }) => id === owner)) ? 'an owner not live' : '',
          cursors < streamers.length ? `${cursors} cursors` : '',
        ]
          .filter(Boolean)
          .join(', ');
        if (missing === '') {
          return { stats, owners };
        }
      }
      if (Date.now() > deadline) {
        throw new Error(`The cluster did not settle within ${SETTLE_TIMEOUT_MS} ms: ${missing}`);
      }
      await delay(100);
    }
  }

  it(
    'cold start: every streamer is subscribed exactly once, in fair shares that stay put; the first instance up keeps no more than its share',
    () =>
      processes.printOutputOnFailure(async () => {
        const startedAt = Date.now();
        const { streamers, instances } = await startCluster();
        const liveAt = Date.now();
        const { owners } = await settled(instances, streamers);
        const settledAt = Date.now();
        const clientIds = streamers.map(({ daUserId }) => centrifugo.clientIdsOf(daUserId));
        await delay(STICKY_OBSERVATION_MS);
        const later = ownersIn(await statsFrom(instances));

        const shares = instances.map(({ id }) => owners.get(id)?.length ?? 0);
        console.log(
          `cold start: live ${liveAt - startedAt} ms after spawning, settled ${settledAt - liveAt} ms later, shares ${shares.join('/')}`,
        );
        // ±1 of ceil(9 / 3) for every instance, the first one up too: whatever it claimed while alone, it
        // hands back what is above its share once the others are live, and a late one short of its share
        // gets the others' slack.
        for (const share of shares) {
          expect(share).toBeGreaterThanOrEqual(2);
          expect(share).toBeLessThanOrEqual(4);
        }
        expect(later).toEqual(owners);
        expect(streamers.map(({ daUserId }) => centrifugo.clientIdsOf(daUserId))).toEqual(clientIds);
        for (const { daUserId } of streamers) {
          expect(centrifugo.maxConcurrentConnectionsOf(daUserId)).toBe(1);
        }
      }),
    TEST_TIMEOUT_MS,
  );

  it(
    'SIGKILL of an owner: survivors subscribe every streamer it ran within the lease and a watchdog period; a push after the takeover and a donation made in the gap are stored once each',
    () =>
      processes.printOutputOnFailure(async () => {
        const { streamers, instances } = await startCluster();
        const { owners } = await settled(instances, streamers);
        const victim = busiest(instances, owners);
        const survivors = instances.filter((instance) => instance !== victim);
        const orphans = streamers.filter((s) => owners.get(victim.id)!.includes(s.streamerId));
        const resubscribedAt = orphans.map(({ daUserId }) =>
          centrifugo.nextSubscription(daUserId).then(() => Date.now()),
        );

        const killedAt = Date.now();
        victim.process.signal('SIGKILL');
        await victim.process.exited;
        // The kernel closed the dead process's sockets; its leases still run, so nobody subscribed again yet.
        await waitFor(
          () => orphans.every(({ daUserId }) => centrifugo.connectionsOf(daUserId).length === 0),
          {
            what: "the fake seeing the dead process's sockets close",
          },
        );
        const madeInGap = da.addDonation(orphans[0].daUserId, { username: 'InTheGap' }, { push: false });
        const takeoverMs =
          Math.max(...(await within(Promise.all(resubscribedAt), SETTLE_TIMEOUT_MS, 'the takeover'))) -
          killedAt;
        await settled(survivors, streamers);
        const afterTakeover = orphans.map(({ daUserId }) => da.push(daUserId, { username: 'AfterTakeover' }));
        const stored = [...afterTakeover, madeInGap];
        await waitFor(async () => (await Promise.all(stored.map(rowsOf))).every((rows) => rows.length > 0), {
          timeoutMs: 10_000,
          what: 'the pushes and the donation made in the gap stored',
        });

        console.log(
          `SIGKILL of ${victim.id} (${orphans.length} streamers): all subscribed again after ${takeoverMs} ms (bound ${TAKEOVER_BOUND_MS} ms)`,
        );
        expect(takeoverMs).toBeLessThanOrEqual(TAKEOVER_BOUND_MS);
        for (const donation of afterTakeover) {
          expect(await rowsOf(donation)).toEqual([{ channel: 'realtime' }]);
        }
        // The push channel has no history: the poll that follows every resubscribe finds it.
        expect(await rowsOf(madeInGap)).toEqual([{ channel: 'poll' }]);
        const [{ count }] = await dataSource.query<Array<{ count: string }>>(
          'SELECT COUNT(*) AS count FROM donations',
        );
        expect(Number(count)).toBe(stored.length);
        for (const { daUserId } of streamers) {
          expect(centrifugo.maxConcurrentConnectionsOf(daUserId)).toBe(1);
        }
      }),
    TEST_TIMEOUT_MS,
  );

  it(
    'SIGSTOP of an owner past its lease, then SIGCONT: taken over in time; once woken it closes its stale sockets at once, stores nothing they received, and its fenced state writes are refused',
    () =>
      processes.printOutputOnFailure(async () => {
        const { streamers, instances } = await startCluster();
        const { owners } = await settled(instances, streamers);
        const victim = busiest(instances, owners);
        const survivors = instances.filter((instance) => instance !== victim);
        const orphans = streamers.filter((s) => owners.get(victim.id)!.includes(s.streamerId));
        const others = streamers.filter((s) => !orphans.includes(s));
        const staleClientOf = new Map(
          orphans.map(({ daUserId }) => [daUserId, centrifugo.subscriptionsOf(daUserId)[0].client]),
        );
        const staleClients = new Set(staleClientOf.values());
        // One push each while all is well, so the victim's push counter has something to keep.
        const warmUp = orphans.map(({ daUserId }) => da.push(daUserId, { username: 'BeforeThePause' }));
        await waitFor(async () => (await Promise.all(warmUp.map(rowsOf))).every((rows) => rows.length > 0), {
          timeoutMs: 10_000,
          what: 'the pushes before the pause stored',
        });
        const pushesBefore = await pushesCountedBy(victim);
        const before = await ownershipStates();
        const resubscribedAt = orphans.map(({ daUserId }) =>
          centrifugo.nextSubscription(daUserId).then(() => Date.now()),
        );

        const stoppedAt = Date.now();
        victim.process.signal('SIGSTOP');
        const takeoverMs =
          Math.max(...(await within(Promise.all(resubscribedAt), SETTLE_TIMEOUT_MS, 'the takeover'))) -
          stoppedAt;
        await settled(survivors, streamers, staleClients);
        const taken = await ownershipStates();
        // The one window with two sockets per streamer: the stopped process cannot close its own, so the fake
        // still has it open next to the new owner's. A stopped process cannot act either; what counts is that
        // nothing that socket received is stored (below), so the socket count is checked only after SIGCONT.
        for (const { daUserId } of orphans) {
          expect(centrifugo.connectionsOf(daUserId)).toHaveLength(2);
        }
        // Listed and pushed to both sockets: stored once, by whichever of the new socket and a poll is first.
        const whilePaused = orphans.map(({ daUserId }) =>
          da.addDonation(daUserId, { username: 'WhilePaused' }),
        );
        // Pushed to the stale socket only and never listed: only the stopped process could ever store it.
        const staleOnly = orphans.map(({ daUserId }) =>
          da.push(daUserId, { username: 'StaleOnly' }, { client: staleClientOf.get(daUserId) }),
        );
        await waitFor(
          async () => (await Promise.all(whilePaused.map(rowsOf))).every((rows) => rows.length > 0),
          {
            timeoutMs: 10_000,
            what: 'the donations pushed while paused stored',
          },
        );
        const maxima = streamers.map(({ daUserId }) => centrifugo.maxConcurrentConnectionsOf(daUserId));
        // The takeover already proves the stopped process's leases ran out in Redis (its own clock ends them
        // earlier still); the pause is stretched to a full lease so it is "past its lease" by any measure.
        // Only time passing makes that so.
        await delay(Math.max(0, CLUSTER_LEASE_MS + 50 - (Date.now() - stoppedAt)));

        const samples: Array<Map<string, KeyState>> = [];
        let sampling = true;
        const sampler = (async () => {
          while (sampling) {
            samples.push(await ownershipStates());
            await delay(20);
          }
        })();
        const pausedMs = Date.now() - stoppedAt;
        const resumedAt = Date.now();
        victim.process.signal('SIGCONT');
        await waitFor(
          () =>
            orphans.every(
              ({ daUserId }) => !centrifugo.connectionsOf(daUserId).includes(staleClientOf.get(daUserId)!),
            ),
          { timeoutMs: 10_000, intervalMs: 10, what: 'the stale sockets closed' },
        );
        const staleClosedMs = Date.now() - resumedAt;
        centrifugo.resetConnectionStats();
        // The woken instance is live again: the survivors above the share hand keys back, and it claims them
        // with fresh leases (higher epochs), so the cluster settles on fair shares over three.
        const { owners: rejoined } = await settled(instances, streamers);
        sampling = false;
        await sampler;

        console.log(
          `SIGSTOP of ${victim.id} (${orphans.length} streamers) for ${pausedMs} ms: all subscribed elsewhere after ${takeoverMs} ms (bound ${TAKEOVER_BOUND_MS} ms), stale sockets closed ${staleClosedMs} ms after SIGCONT; shares after rejoining ${instances.map(({ id }) => rejoined.get(id)?.length ?? 0).join('/')}; ${samples.length} state samples`,
        );
        expect(pausedMs).toBeGreaterThan(CLUSTER_LEASE_MS);
        expect(takeoverMs).toBeLessThanOrEqual(TAKEOVER_BOUND_MS);
        expect(staleClosedMs).toBeLessThanOrEqual(STALE_CLOSE_BOUND_MS);
        for (const { streamerId } of orphans) {
          expect(taken.get(streamerId)?.owner).not.toBe(victim.id);
          expect(taken.get(streamerId)?.epoch).toBeGreaterThan(before.get(streamerId)!.epoch!);
          // It woke up, found the lease gone and tried to record that: a write with the old epoch.
          expect(victim.process.output).toContain(
            `${victim.id} lost ${streamerId} (epoch ${before.get(streamerId)!.epoch})`,
          );
        }
        // Refused: from SIGCONT on, the shared state of every streamer it lost carries the epoch of the
        // takeover or a newer one (a fresh claim after the rebalance), never its old lease's.
        expect(samples.length).toBeGreaterThan(0);
        for (const sample of samples) {
          for (const { streamerId } of orphans) {
            const state = sample.get(streamerId);
            expect(state?.epoch).toBeGreaterThanOrEqual(taken.get(streamerId)!.epoch!);
            if (state?.owner === victim.id) {
              expect(state.epoch).toBeGreaterThan(taken.get(streamerId)!.epoch!);
            }
          }
        }
        for (const donation of whilePaused) {
          expect(await rowsOf(donation)).toHaveLength(1);
        }
        for (const donation of staleOnly) {
          expect(await rowsOf(donation)).toEqual([]);
        }
        expect(pushesBefore).toBe(orphans.length);
        expect(await pushesCountedBy(victim)).toBe(pushesBefore);
        expect(maxima.filter((_, i) => others.includes(streamers[i]))).toEqual(others.map(() => 1));
        expect(maxima.filter((_, i) => orphans.includes(streamers[i]))).toEqual(orphans.map(() => 2));
        for (const { daUserId } of streamers) {
          expect(centrifugo.maxConcurrentConnectionsOf(daUserId)).toBe(1);
        }
      }),
    TEST_TIMEOUT_MS,
  );
});
