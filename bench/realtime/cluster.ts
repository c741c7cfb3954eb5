import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { DataSource } from 'typeorm';
import { loadConfig } from '../../config';
import { createApp } from '../../src/app.factory';
import type { RealtimeStats } from '../../src/realtime/realtime-stats.service';
import type { FakeCentrifugo } from '../../test/fakes/fake-centrifugo';
import { FakeDonationAlerts } from '../../test/fakes/fake-donationalerts';
import { BASE_TEST_ENV, TEST_ENCRYPTION_KEY } from '../../test/support/app';
import { openDataSource } from '../../test/support/databases';
import { createBackingServices, type BackingServices } from '../../test/support/deployments';
import { donationAlertsEnv } from '../../test/support/donation-alerts';
import { httpGet } from '../../test/support/http';
import { freePort, NodeProcess } from '../../test/support/processes';
import { seedStreamers, type SeededStreamer } from '../scheduler/seed';
import { distribution, round } from '../scheduler/stats';
import { callCount, callDelta, histogram, log, maxInAnyWindow, ms, waitUntil, WINDOW_MS } from './helpers';

/**
 * Scenario C (see bench/README.md): `streamers` over `instances` real app processes (the same tsc output as
 * dist/, from dist-bench/src/main.js) on PostgreSQL + Redis, at DonationAlerts' real limit from the first
 * request: cold start, steady state, and SIGKILL of one instance.
 */
export interface ClusterSpec {
  streamers: number;
  instances: number;
  appLimit: number;
  /** Steady state: this many donations, evenly over `steadyMs`, each to a different streamer. */
  steadyDonations: number;
  steadyMs: number;
  /** Failover: one donation every this many ms, round-robin over the orphaned streamers, until all are back. */
  failoverEveryMs: number;
  connectTimeoutMs: number;
  failoverTimeoutMs: number;
  /** After the last donation of a phase, wait at most this long for it to be stored. */
  drainMs: number;
}

const LABEL = 'C cluster';
const ADMIN_API_KEY = 'realtime-bench-admin-key-0123456789abcdef';
const MAIN = resolve(__dirname, '../../src/main.js');

interface Instance {
  id: string;
  port: number;
  process: NodeProcess;
}

interface Fed {
  externalId: string;
  daUserId: number;
  addedAt: number;
}

/** When each fed donation was stored (`received_at`, written by the instance that stored it), and by which channel. */
async function storedTimes(
  dataSource: DataSource,
  fed: Fed[],
): Promise<Map<string, { receivedAt: number; channel: string }>> {
  const rows = await dataSource.query<Array<{ external_id: string; received_at: string; channel: string }>>(
    `SELECT external_id, received_at, channel FROM donations WHERE external_id = ANY($1)`,
    [fed.map((donation) => donation.externalId)],
  );
  return new Map(
    rows.map((row) => [row.external_id, { receivedAt: Number(row.received_at), channel: row.channel }]),
  );
}

async function latencies(dataSource: DataSource, fed: Fed[]) {
  const stored = await storedTimes(dataSource, fed);
  const waits: number[] = [];
  const byChannel: Record<string, number> = {};
  for (const donation of fed) {
    const row = stored.get(donation.externalId);
    if (row) {
      waits.push(row.receivedAt - donation.addedAt);
      byChannel[row.channel] = (byChannel[row.channel] ?? 0) + 1;
    }
  }
  const d = distribution(waits);
  return {
    fed: fed.length,
    stored: waits.length,
    byChannel,
    latencyMs: { p50: ms(d.p50), p99: ms(d.p99), max: ms(d.max), mean: ms(d.mean) },
  };
}

async function realtimeStats(instance: Instance): Promise<RealtimeStats> {
  const response = await httpGet(`http://127.0.0.1:${instance.port}/api/donationalerts/realtime/stats`, {
    authorization: `Bearer ${ADMIN_API_KEY}`,
  });
  if (response.status !== 200) {
    throw new Error(`realtime stats from ${instance.id}: ${response.status} ${response.body}`);
  }
  return JSON.parse(response.body) as RealtimeStats;
}

function ownersOf(stats: RealtimeStats): Record<string, number> {
  const owners: Record<string, number> = {};
  for (const { owner } of Object.values(stats.streamers)) {
    owners[owner ?? 'none'] = (owners[owner ?? 'none'] ?? 0) + 1;
  }
  return owners;
}

/** Seeds the streamers through an in-process app that neither polls nor runs sockets, then closes it. */
async function seed(
  services: BackingServices,
  fake: FakeDonationAlerts,
  count: number,
): Promise<SeededStreamer[]> {
  const config = loadConfig({
    ...BASE_TEST_ENV,
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    ...services.env,
    REDIS_REQUIRED: 'true',
    SCHEDULER_ENABLED: 'false',
    DA_REALTIME_ENABLED: 'false',
    ...donationAlertsEnv(fake),
  });
  const { app } = await createApp(config);
  await app.init();
  try {
    return await seedStreamers(app, fake, count);
  } finally {
    await app.close();
  }
}

export async function runCluster(spec: ClusterSpec) {
  let services: BackingServices | undefined;
  let fake: FakeDonationAlerts | undefined;
  let dataSource: DataSource | undefined;
  const instances: Instance[] = [];
  const workDir = mkdtempSync(join(tmpdir(), 'bench-realtime-c-'));
  try {
    services = await createBackingServices('postgres+redis');
    fake = await FakeDonationAlerts.start({ appRateLimit: spec.appLimit, rateWindowMs: WINDOW_MS });
    const centrifugo: FakeCentrifugo = await fake.startCentrifugo();
    const streamers = await seed(services, fake, spec.streamers);
    dataSource = await openDataSource(services.database, { migrate: false });
    log(LABEL, `seeded ${streamers.length} streamers; starting ${spec.instances} instances`);
    const f = fake;
    const db = dataSource;

    const callsBefore = fake.calls;
    const t0 = Date.now();
    for (let i = 1; i <= spec.instances; i += 1) {
      const port = await freePort();
      const id = `bench-c${i}`;
      const env: Record<string, string> = {
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        LOG_FORMAT: 'json',
        HOST: '127.0.0.1',
        PORT: String(port),
        INSTANCE_ID: id,
        ADMIN_API_KEY,
        APP_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
        ...services.env,
        REDIS_REQUIRED: 'true',
        SCHEDULER_ENABLED: 'true',
        DA_APP_RATE_LIMIT: String(spec.appLimit),
        RATE_LIMIT_WINDOW: String(WINDOW_MS),
        DA_REALTIME_ENABLED: 'true',
        DA_CENTRIFUGO_URL: centrifugo.url,
        ...donationAlertsEnv(fake),
      };
      instances.push({ id, port, process: new NodeProcess([MAIN], env, workDir) });
    }
    await Promise.all(
      instances.map((instance) =>
        instance.process.waitForHttp(
          `http://127.0.0.1:${instance.port}/health/live`,
          (response) => response.status === 200,
          { timeoutMs: 60_000 },
        ),
      ),
    );
    const liveMs = Date.now() - t0;
    log(LABEL, `all ${spec.instances} instances live after ${ms(liveMs)} ms`);

    const subscribed = (streamer: SeededStreamer) => centrifugo.subscriptionsOf(streamer.daUserId).length > 0;
    const subscribedCount = () => streamers.filter(subscribed).length;
    const polledOnce = () => streamers.every((s) => f.donationCallsOf(s.daUserId) >= 1);
    const progress = (since: number) => () =>
      log(
        LABEL,
        `${ms((Date.now() - since) / 1000)} s: ${subscribedCount()} subscribed, ` +
          `${streamers.filter((s) => f.donationCallsOf(s.daUserId) >= 1).length} polled once, ` +
          `${f.apiRequestTimes().length} DA requests admitted, ${f.rejectedForRate} refused (429)`,
      );

    // a. Cold start at the real limit. Ready once every socket is subscribed: a pushed donation is stored from
    // the push whether or not its streamer had a first poll yet (at 300 streamers the first polls, as safety
    // polls of push-active streamers, trail the sockets by many minutes: see bench/README.md).
    const ready = await waitUntil(
      () => subscribedCount() === streamers.length,
      spec.connectTimeoutMs,
      progress(t0),
      30_000,
    );
    const readyAt = Date.now();
    const allSubscribedAt = readyAt;
    const callsAtReady = fake.calls;
    if (!ready) {
      throw new Error(`${LABEL}: not all subscribed within ${spec.connectTimeoutMs} ms`);
    }
    const polledOnceAtReady = streamers.filter((s) => f.donationCallsOf(s.daUserId) >= 1).length;
    const coldMinutes = (allSubscribedAt - t0) / 60_000;
    const cold = {
      instancesLiveS: round(liveMs / 1000),
      allSubscribedS: round((allSubscribedAt - t0) / 1000),
      polledOnceWhenAllSubscribed: polledOnceAtReady,
      allPolledOnce: polledOnce(),
      requests: callCount(callsBefore, callsAtReady),
      requestsPerMinute: callDelta(callsBefore, callsAtReady, (readyAt - t0) / 60_000),
      socketsPerMinute: round(streamers.length / coldMinutes, 1),
      maxIn60s: maxInAnyWindow(fake.apiRequestTimes(), t0, readyAt),
      rateLimited429: fake.rejectedForRate,
    };
    log(LABEL, `cold start: ${JSON.stringify(cold)}`);
    const sharesAfterStart = ownersOf(await realtimeStats(instances[0]));
    log(LABEL, `sockets per instance: ${JSON.stringify(sharesAfterStart)}`);

    // b. Steady state: donations evenly over steadyMs, each to a different streamer (fixed stride).
    const steadyFrom = Date.now();
    const callsAtSteady = fake.calls;
    const steadyFed: Fed[] = [];
    const everyMs = spec.steadyMs / spec.steadyDonations;
    for (let k = 1; k <= spec.steadyDonations; k += 1) {
      const streamer = streamers[(k * 7919) % streamers.length];
      const addedAt = Date.now();
      const donation = fake.addDonation(streamer.daUserId);
      steadyFed.push({ externalId: String(donation.id), daUserId: streamer.daUserId, addedAt });
      await delay(Math.max(0, steadyFrom + k * everyMs - Date.now()));
    }
    await waitUntil(async () => (await storedTimes(db, steadyFed)).size >= steadyFed.length, spec.drainMs);
    await delay(Math.max(0, steadyFrom + spec.steadyMs - Date.now()));
    const steadyTo = Date.now();
    const steady = {
      minutes: round((steadyTo - steadyFrom) / 60_000, 2),
      donations: await latencies(db, steadyFed),
      requestsPerMinute: callDelta(callsAtSteady, fake.calls, (steadyTo - steadyFrom) / 60_000),
      maxIn60s: maxInAnyWindow(fake.apiRequestTimes(), steadyFrom, steadyTo),
      requestsPer10s: histogram(fake.apiRequestTimes(), steadyFrom, steadyTo, 10_000),
    };
    log(LABEL, `steady: ${JSON.stringify(steady)}`);

    // c. SIGKILL one instance; donations round-robin over its streamers until every one is subscribed again.
    // The victim is the instance holding the most sockets now (the largest failover).
    const before = await realtimeStats(instances[0]);
    const held = ownersOf(before);
    const victim = [...instances].sort((a, b) => (held[b.id] ?? 0) - (held[a.id] ?? 0))[0];
    const survivor = instances.find((instance) => instance !== victim)!;
    const orphanIds = new Set(
      Object.entries(before.streamers)
        .filter(([, state]) => state.owner === victim.id)
        .map(([streamerId]) => streamerId),
    );
    const orphans = streamers.filter((s) => orphanIds.has(s.streamerId));
    // Back = subscribed on a socket the victim did not hold (its own close only reaches the fake after the kill).
    const clientsBefore = new Set(
      orphans.flatMap((orphan) => centrifugo.subscriptionsOf(orphan.daUserId).map(({ client }) => client)),
    );
    const resubscribed = (streamer: SeededStreamer) =>
      centrifugo.subscriptionsOf(streamer.daUserId).some(({ client }) => !clientsBefore.has(client));
    centrifugo.resetConnectionStats();
    const callsAtKill = fake.calls;
    const refusedAtKill = fake.rejectedForRate;
    const killedAt = Date.now();
    victim.process.signal('SIGKILL');
    await victim.process.exited;
    log(LABEL, `SIGKILL ${victim.id}: ${orphans.length} orphaned streamers`);
    const failoverFed: Fed[] = [];
    const back = new Map<number, number>();
    let next = 0;
    let nextDonationAt = killedAt;
    const allBack = await waitUntil(
      () => {
        const now = Date.now();
        for (const orphan of orphans) {
          if (!back.has(orphan.daUserId) && resubscribed(orphan)) {
            back.set(orphan.daUserId, now);
          }
        }
        if (back.size === orphans.length) {
          return true;
        }
        while (now >= nextDonationAt && orphans.length > 0) {
          const orphan = orphans[next % orphans.length];
          next += 1;
          const donation = f.addDonation(orphan.daUserId);
          failoverFed.push({ externalId: String(donation.id), daUserId: orphan.daUserId, addedAt: now });
          nextDonationAt += spec.failoverEveryMs;
        }
        return false;
      },
      spec.failoverTimeoutMs,
      () =>
        log(
          LABEL,
          `${ms((Date.now() - killedAt) / 1000)} s after the kill: ${back.size} of ${orphans.length} back, ` +
            `${failoverFed.length} donations fed`,
        ),
      30_000,
    );
    const allBackAt = Date.now();
    const callsAtBack = fake.calls;
    const backTimes = [...back.values()].map((at) => at - killedAt).sort((a, b) => a - b);
    await waitUntil(
      async () => (await storedTimes(db, failoverFed)).size >= failoverFed.length,
      spec.drainMs,
    );
    const after = await realtimeStats(survivor);
    const doubled = streamers.filter((s) => centrifugo.maxConcurrentConnectionsOf(s.daUserId) > 1).length;
    const failover = {
      victim: victim.id,
      orphaned: orphans.length,
      allBack,
      firstBackS: backTimes.length > 0 ? round(backTimes[0] / 1000) : null,
      allBackS: round((allBackAt - killedAt) / 1000),
      requests: callCount(callsAtKill, callsAtBack),
      requestsPerMinute: callDelta(callsAtKill, callsAtBack, (allBackAt - killedAt) / 60_000),
      maxIn60s: maxInAnyWindow(fake.apiRequestTimes(), killedAt, allBackAt),
      rateLimited429: fake.rejectedForRate - refusedAtKill,
      donations: await latencies(db, failoverFed),
      socketsPerInstanceBefore: held,
      streamersWithTwoSockets: doubled,
      socketsPerInstanceAfter: ownersOf(after),
    };
    log(LABEL, `failover: ${JSON.stringify(failover)}`);

    return {
      label: LABEL,
      streamers: streamers.length,
      instances: spec.instances,
      appRateLimitPerMin: spec.appLimit,
      settings:
        'CLUSTER_RENEW_MS, CLUSTER_LEASE_MS, WATCHDOG_INTERVAL_MS and every realtime setting at defaults',
      cold,
      socketsPerInstance: sharesAfterStart,
      steady,
      failover,
      rateLimited429: fake.rejectedForRate,
      realtimeSockets: { byState: after.byState },
    };
  } finally {
    await Promise.all(
      instances.map(async (instance) => {
        if (instance.process.running) {
          instance.process.signal('SIGTERM');
          await instance.process.exitWithin(30_000).catch((error: Error) => log(LABEL, error.message));
        }
      }),
    );
    await dataSource?.destroy();
    await fake?.close();
    await services?.close().catch((error: Error) => console.error(`${LABEL}: cleaning up: ${error.message}`));
    rmSync(workDir, { recursive: true, force: true });
  }
}

export type ClusterResult = Awaited<ReturnType<typeof runCluster>>;
