import 'reflect-metadata';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { setMaxListeners } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { getConfigToken } from '@nestjs/config';
import { loadConfig, type SchedulerConfig } from '../../config';
import { LeaderService } from '../../libs/locks';
import { createApp } from '../../src/app.factory';
import type { Donation } from '../../src/donations/donation';
import { DonationEvents } from '../../src/donations/donations.events';
import { RealtimeService } from '../../src/realtime';
import { RealtimeStatsService } from '../../src/realtime/realtime-stats.service';
import { DonationAlertsScheduler } from '../../src/scheduler/donation-alerts-scheduler';
import type { FakeCentrifugo } from '../../test/fakes/fake-centrifugo';
import { FakeDonationAlerts } from '../../test/fakes/fake-donationalerts';
import { BASE_TEST_ENV } from '../../test/support/app';
import { createBackingServices, type BackingServices } from '../../test/support/deployments';
import { donationAlertsEnv } from '../../test/support/donation-alerts';
import { seedStreamers, type SeededStreamer } from '../scheduler/seed';
import { distribution, round } from '../scheduler/stats';
import { positiveNumber } from '../support/options';
import { runCluster } from './cluster';
import { callDelta, gc, histogram, log, maxInAnyWindow, mb, ms, waitUntil, WINDOW_MS } from './helpers';

/**
 * Push → stored latency with realtime sockets on, against polling only, in the same run (see bench/README.md,
 * "bench/realtime"). Scenario A: DonationAlerts' real application limit (60 a minute). Scenario B (what-if):
 * 1,000 streamers with a raised limit.
 */

interface Options {
  scenarios: string[];
  aStreamers: number;
  aDonations: number;
  /** Polling-only side of A: how long donations are fed and then waited for, in all. */
  pollBoundS: number;
  bStreamers: number;
  bLimit: number;
  bDonations: number;
  cStreamers: number;
  cInstances: number;
  cDonations: number;
  cFailoverEveryMs: number;
  cConnectTimeoutS: number;
  cFailoverTimeoutS: number;
  dStreamers: number;
  dWarmLimit: number;
  dDonations: number;
  steadyS: number;
  connectTimeoutS: number;
  out: string;
}

const SCENARIOS = ['A', 'B', 'C', 'D'];

function options(env: NodeJS.ProcessEnv): Options {
  const number = (name: string, fallback: number): number => positiveNumber(env[name], fallback, name);
  const scenarios = (env.BENCH_SCENARIOS ?? 'A,B').split(',').map((s) => s.trim().toUpperCase());
  for (const scenario of scenarios) {
    if (!SCENARIOS.includes(scenario)) {
      throw new Error(`BENCH_SCENARIOS: unknown scenario "${scenario}" (${SCENARIOS.join(', ')})`);
    }
  }
  return {
    scenarios,
    aStreamers: Math.round(number('BENCH_A_STREAMERS', 50)),
    aDonations: Math.round(number('BENCH_A_DONATIONS', 100)),
    pollBoundS: number('BENCH_POLL_BOUND_S', 120),
    bStreamers: Math.round(number('BENCH_B_STREAMERS', 1000)),
    bLimit: Math.round(number('BENCH_B_APP_RATE_LIMIT', 100_000)),
    bDonations: Math.round(number('BENCH_B_DONATIONS', 200)),
    cStreamers: Math.round(number('BENCH_C_STREAMERS', 300)),
    cInstances: Math.round(number('BENCH_C_INSTANCES', 3)),
    cDonations: Math.round(number('BENCH_C_DONATIONS', 100)),
    cFailoverEveryMs: number('BENCH_C_FAILOVER_EVERY_MS', 1000),
    cConnectTimeoutS: number('BENCH_C_CONNECT_TIMEOUT_S', 1800),
    cFailoverTimeoutS: number('BENCH_C_FAILOVER_TIMEOUT_S', 900),
    dStreamers: Math.round(number('BENCH_D_STREAMERS', 1000)),
    dWarmLimit: Math.round(number('BENCH_D_WARM_LIMIT', 100_000)),
    dDonations: Math.round(number('BENCH_D_DONATIONS', 200)),
    steadyS: number('BENCH_STEADY_S', 60),
    connectTimeoutS: number('BENCH_CONNECT_TIMEOUT_S', 240),
    out: resolve(env.BENCH_OUT ?? 'reports/bench/realtime.json'),
  };
}

interface SideSpec {
  label: string;
  streamers: number;
  appLimit: number;
  /**
   * Warm start: the fake and the instance run at this raised limit until every socket is subscribed and every
   * streamer polled once, then both go back to `appLimit` for the measurement (after one budget window, so the
   * requests of the start have left it).
   */
  warmLimit?: number;
  realtime: boolean;
  donations: number;
  /** Donations are fed evenly over this long. */
  feedMs: number;
  /** After the last donation, wait at most this long for the rest. */
  drainMs: number;
  /** Requests to the fake are counted over this long from the moment everything is connected. */
  steadyMs: number;
  connectTimeoutMs: number;
}

async function runSide(spec: SideSpec) {
  const { label } = spec;
  let services: BackingServices | undefined;
  let fake: FakeDonationAlerts | undefined;
  let centrifugo: FakeCentrifugo | undefined;
  let app: NestExpressApplication | undefined;
  try {
    services = await createBackingServices('postgres+redis');
    const startLimit = spec.warmLimit ?? spec.appLimit;
    fake = await FakeDonationAlerts.start({ appRateLimit: startLimit, rateWindowMs: WINDOW_MS });
    centrifugo = spec.realtime ? await fake.startCentrifugo() : undefined;
    const config = loadConfig({
      ...BASE_TEST_ENV,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
      ...services.env,
      REDIS_REQUIRED: 'true',
      SCHEDULER_ENABLED: 'true',
      DA_APP_RATE_LIMIT: String(startLimit),
      RATE_LIMIT_WINDOW: String(WINDOW_MS),
      DA_REALTIME_ENABLED: spec.realtime ? 'true' : 'false',
      ...(centrifugo ? { DA_CENTRIFUGO_URL: centrifugo.url } : {}),
      ...donationAlertsEnv(fake),
    });
    app = (await createApp(config)).app;
    await app.init();
    const leader = app.get(LeaderService);
    if (!(await waitUntil(() => leader.isLeader(), 10_000))) {
      throw new Error(`${label}: the instance never led`);
    }
    await delay(1_000);

    // Every donation.received, matched to when its donation was added to the fake.
    const addedAt = new Map<string, number>();
    const latencies: Array<{ ms: number; channel: string }> = [];
    app.get(EventEmitter2).on(DonationEvents.received, (donation: Donation) => {
      const at = addedAt.get(donation.externalId);
      if (at !== undefined) {
        latencies.push({ ms: Date.now() - at, channel: donation.channel });
      }
    });

    let started = Date.now();
    const streamers: SeededStreamer[] = await seedStreamers(app, fake, spec.streamers);
    log(label, `seeded ${streamers.length} streamers in ${ms(Date.now() - started)} ms`);
    gc();
    const rssBeforeMb = mb();
    const callsBefore = fake.calls;

    // t0: every streamer goes into the schedule; with realtime on, one watchdog pass claims them all (the
    // connections then take their requests from the shared budget by themselves).
    started = Date.now();
    const scheduler = app.get(DonationAlertsScheduler);
    await Promise.all(streamers.map(({ streamerId }) => scheduler.add(streamerId)));
    if (spec.realtime) {
      void app
        .get(RealtimeService)
        .watchdog()
        .catch((error: Error) => log(label, `watchdog failed: ${error.message}`));
    }
    const f = fake;
    const c = centrifugo;
    const polledOnce = () => streamers.every((s) => f.donationCallsOf(s.daUserId) >= 1);
    const subscribedCount = () =>
      c ? streamers.filter((s) => c.subscriptionsOf(s.daUserId).length >= 1).length : 0;
    let allSubscribedMs: number | undefined;
    const ready = await waitUntil(
      () => {
        if (c && allSubscribedMs === undefined && subscribedCount() === streamers.length) {
          allSubscribedMs = Date.now() - started;
        }
        return polledOnce() && (!c || allSubscribedMs !== undefined);
      },
      spec.connectTimeoutMs,
      () =>
        log(
          label,
          `${ms((Date.now() - started) / 1000)} s: ${subscribedCount()} subscribed, ` +
            `${streamers.filter((s) => f.donationCallsOf(s.daUserId) >= 1).length} polled once, ` +
            `${f.apiRequestTimes().length} DA requests admitted, ${f.rejectedForRate} refused (429)`,
        ),
    );
    const readyMs = Date.now() - started;
    const callsAtReady = fake.calls;
    log(
      label,
      `ready=${ready} after ${ms(readyMs / 1000)} s` +
        (c
          ? `; all subscribed after ${allSubscribedMs === undefined ? '—' : ms(allSubscribedMs / 1000)} s`
          : ''),
    );
    gc();
    const rssConnectedMb = mb();
    let refusedBeforeMeasuring = fake.rejectedForRate;
    if (spec.warmLimit !== undefined) {
      // The budget reads its limit from this settings object on every take: the real limit from now on.
      app.get<SchedulerConfig>(getConfigToken('scheduler')).appLimit = spec.appLimit;
      fake.appRateLimit = spec.appLimit;
      const settleMs = Math.ceil(WINDOW_MS * 1.05) + 2_000;
      log(label, `warm start done; limit back to ${spec.appLimit}/min, waiting ${ms(settleMs / 1000)} s`);
      await delay(settleMs);
      refusedBeforeMeasuring = fake.rejectedForRate;
    }
    const callsAtSteady = fake.calls;

    // Donations, evenly over feedMs, each to a different streamer (fixed stride).
    const steadyStarted = Date.now();
    const everyMs = spec.feedMs / spec.donations;
    for (let k = 1; k <= spec.donations; k += 1) {
      const streamer = streamers[(k * 7919) % streamers.length];
      const now = Date.now();
      const donation = fake.addDonation(streamer.daUserId);
      addedAt.set(String(donation.id), now);
      await delay(Math.max(0, steadyStarted + k * everyMs - Date.now()));
    }
    const fedAt = Date.now();
    const allStored = await waitUntil(() => latencies.length >= spec.donations, spec.drainMs);
    log(
      label,
      `${latencies.length} of ${spec.donations} donations stored, ` +
        `${allStored ? 'all' : 'not all'} within ${ms((Date.now() - fedAt) / 1000)} s of the last one`,
    );
    await delay(Math.max(0, steadyStarted + spec.steadyMs - Date.now()));
    const steadyMinutes = (Date.now() - steadyStarted) / 60_000;
    const callsAfter = fake.calls;
    const steadyTo = Date.now();

    const realtimeStats = spec.realtime ? await app.get(RealtimeStatsService).stats() : undefined;
    const reconnects = realtimeStats
      ? Object.values(realtimeStats.streamers).reduce((total, s) => total + s.reconnects, 0)
      : 0;
    const latency = distribution(latencies.map((l) => l.ms));
    const byChannel: Record<string, number> = {};
    for (const { channel } of latencies) {
      byChannel[channel] = (byChannel[channel] ?? 0) + 1;
    }
    return {
      label,
      streamers: streamers.length,
      appRateLimitPerMin: spec.appLimit,
      realtime: spec.realtime,
      connect: {
        ready,
        readyS: round(readyMs / 1000),
        allSubscribedS: allSubscribedMs === undefined ? null : round(allSubscribedMs / 1000),
        requests: {
          userOauth: callsAtReady.userOauth - callsBefore.userOauth,
          centrifugeSubscribe: callsAtReady.centrifugeSubscribe - callsBefore.centrifugeSubscribe,
          donations: callsAtReady.donations - callsBefore.donations,
        },
      },
      donations: {
        fed: spec.donations,
        stored: latencies.length,
        byChannel,
        feedS: round(spec.feedMs / 1000),
        drainBoundS: round(spec.drainMs / 1000),
        latencyMs: {
          p50: ms(latency.p50),
          p99: ms(latency.p99),
          max: ms(latency.max),
          mean: ms(latency.mean),
        },
      },
      steady: {
        minutes: round(steadyMinutes, 2),
        requestsPerMinute: callDelta(callsAtSteady, callsAfter, steadyMinutes),
        maxIn60s: maxInAnyWindow(fake.apiRequestTimes(), steadyStarted, steadyTo),
        requestsPer10s: histogram(fake.apiRequestTimes(), steadyStarted, steadyTo, 10_000),
      },
      rateLimited429: fake.rejectedForRate,
      rateLimited429WhileMeasuring: fake.rejectedForRate - refusedBeforeMeasuring,
      memory: {
        rssBeforeMb: round(rssBeforeMb),
        rssConnectedMb: round(rssConnectedMb),
        rssPerSocketKb: spec.realtime
          ? round(((rssConnectedMb - rssBeforeMb) * 1024) / streamers.length, 1)
          : null,
      },
      realtimeSockets: realtimeStats ? { byState: realtimeStats.byState, reconnects } : null,
    };
  } finally {
    await app?.close().catch((error: Error) => console.error(`${label}: closing the app: ${error.message}`));
    await fake?.close();
    await services?.close().catch((error: Error) => console.error(`${label}: cleaning up: ${error.message}`));
  }
}

type SideResult = Awaited<ReturnType<typeof runSide>>;

const ratio = (polling: SideResult, realtime: SideResult, key: 'p50' | 'p99') =>
  round(polling.donations.latencyMs[key] / Math.max(1, realtime.donations.latencyMs[key]), 0);

async function main(): Promise<void> {
  const opts = options(process.env);
  setMaxListeners(5_000);
  const startedAt = new Date().toISOString();
  const loadBefore = loadavg();
  const scenarios: Record<string, unknown> = {};
  const rows: string[] = [];

  if (opts.scenarios.includes('A')) {
    const n = opts.aStreamers;
    console.log(`Scenario A: ${n} streamers, 60 requests/min, realtime and polling-only side by side`);
    // The two sides run at the same time, each with its own fake, schema, Redis prefix and budget: both spend
    // most of their time waiting for DonationAlerts' limit.
    const [realtime, polling] = await Promise.all([
      runSide({
        label: 'A realtime',
        streamers: n,
        appLimit: 60,
        realtime: true,
        donations: opts.aDonations,
        feedMs: 50_000,
        drainMs: 30_000,
        steadyMs: opts.steadyS * 1000,
        connectTimeoutMs: opts.connectTimeoutS * 1000,
      }),
      runSide({
        label: 'A polling',
        streamers: n,
        appLimit: 60,
        realtime: false,
        donations: opts.aDonations,
        feedMs: (opts.pollBoundS * 1000) / 2,
        drainMs: (opts.pollBoundS * 1000) / 2,
        steadyMs: opts.pollBoundS * 1000,
        connectTimeoutMs: opts.connectTimeoutS * 1000,
      }),
    ]);
    scenarios.A = {
      realtime,
      polling,
      ratioPollingOverRealtime: {
        p50: ratio(polling, realtime, 'p50'),
        p99: ratio(polling, realtime, 'p99'),
      },
    };
    rows.push(
      `| A (real limit) | ${n} | 60/min | ${realtime.connect.allSubscribedS ?? '—'} s | ` +
        `${realtime.donations.latencyMs.p50} / ${realtime.donations.latencyMs.p99} | ` +
        `${polling.donations.latencyMs.p50} / ${polling.donations.latencyMs.p99} ` +
        `(${polling.donations.stored}/${polling.donations.fed}) | ` +
        `${ratio(polling, realtime, 'p50')}× / ${ratio(polling, realtime, 'p99')}× | ` +
        `${realtime.memory.rssPerSocketKb} KB | ${realtime.steady.requestsPerMinute.total} vs ` +
        `${polling.steady.requestsPerMinute.total} (max in 60 s: ${realtime.steady.maxIn60s} vs ` +
        `${polling.steady.maxIn60s}) |`,
    );
  }

  if (opts.scenarios.includes('B')) {
    const n = opts.bStreamers;
    console.log(`Scenario B (what-if): ${n} streamers, ${opts.bLimit} requests/min, realtime on`);
    const realtime = await runSide({
      label: 'B realtime',
      streamers: n,
      appLimit: opts.bLimit,
      realtime: true,
      donations: opts.bDonations,
      feedMs: 20_000,
      drainMs: 20_000,
      steadyMs: opts.steadyS * 1000,
      connectTimeoutMs: opts.connectTimeoutS * 1000,
    });
    scenarios.B = { realtime };
    rows.push(
      `| B (what-if, raised limit) | ${n} | ${opts.bLimit}/min | ${realtime.connect.allSubscribedS ?? '—'} s | ` +
        `${realtime.donations.latencyMs.p50} / ${realtime.donations.latencyMs.p99} | – | – | ` +
        `${realtime.memory.rssPerSocketKb} KB | ${realtime.steady.requestsPerMinute.total} |`,
    );
  }

  if (opts.scenarios.includes('C')) {
    const n = opts.cStreamers;
    console.log(
      `Scenario C: ${n} streamers over ${opts.cInstances} instance processes, 60 requests/min from the start`,
    );
    const cluster = await runCluster({
      streamers: n,
      instances: opts.cInstances,
      appLimit: 60,
      steadyDonations: opts.cDonations,
      steadyMs: opts.steadyS * 1000,
      failoverEveryMs: opts.cFailoverEveryMs,
      connectTimeoutMs: opts.cConnectTimeoutS * 1000,
      failoverTimeoutMs: opts.cFailoverTimeoutS * 1000,
      drainMs: 120_000,
    });
    scenarios.C = cluster;
    const { cold, steady, failover } = cluster;
    rows.push(
      `| C (real limit, ${opts.cInstances} processes) | ${n} | 60/min | ${cold.allSubscribedS} s (cold) | ` +
        `${steady.donations.latencyMs.p50} / ${steady.donations.latencyMs.p99} | – | – | – | ` +
        `${steady.requestsPerMinute.total} (max ${steady.maxIn60s} in 60 s) |`,
    );
    rows.push(
      `| C failover: SIGKILL ${failover.victim} | ${failover.orphaned} orphaned | 60/min | ` +
        `${failover.allBackS} s to all back | longest wait ${failover.donations.latencyMs.max} ms ` +
        `(p50 ${failover.donations.latencyMs.p50}, ${failover.donations.stored}/${failover.donations.fed}) | – | – | – | ` +
        `${failover.requestsPerMinute.total} (${failover.requests.total} requests) |`,
    );
  }

  if (opts.scenarios.includes('D')) {
    const n = opts.dStreamers;
    console.log(
      `Scenario D: ${n} streamers on one instance, warm start at ${opts.dWarmLimit}/min, measured at 60/min`,
    );
    const realtime = await runSide({
      label: 'D realtime',
      streamers: n,
      appLimit: 60,
      warmLimit: opts.dWarmLimit,
      realtime: true,
      donations: opts.dDonations,
      feedMs: 40_000,
      drainMs: 20_000,
      steadyMs: opts.steadyS * 1000,
      connectTimeoutMs: opts.connectTimeoutS * 1000,
    });
    scenarios.D = { realtime };
    rows.push(
      `| D (real limit after a warm start at ${opts.dWarmLimit}/min) | ${n} | 60/min | ` +
        `${realtime.connect.allSubscribedS ?? '—'} s (warm) | ` +
        `${realtime.donations.latencyMs.p50} / ${realtime.donations.latencyMs.p99} | – | – | ` +
        `${realtime.memory.rssPerSocketKb} KB | ${realtime.steady.requestsPerMinute.total} ` +
        `(max ${realtime.steady.maxIn60s} in 60 s) |`,
    );
  }

  const result = {
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: { cpus: cpus().length, node: process.version, loadBefore, loadAfter: loadavg() },
    scenarios,
  };
  mkdirSync(dirname(opts.out), { recursive: true });
  writeFileSync(opts.out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nwrote ${opts.out}\n`);
  console.log(
    '| scenario | streamers | limit | time to all subscribed | push→stored p50 / p99 realtime (ms) | ' +
      'polling only p50 / p99 (ms) (stored/fed) | ratio p50 / p99 | RSS/socket | DA req/min steady |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const row of rows) {
    console.log(row);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
