import 'reflect-metadata';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Redis } from 'ioredis';
import { setMaxListeners } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { loadConfig, type AllConfig } from '../../config';
import { LeaderService } from '../../libs/locks';
import { RedisConnection } from '../../libs/redis';
import { createApp } from '../../src/app.factory';
import { MetricsService } from '../../src/metrics/metrics.service';
import { DonationAlertsScheduler } from '../../src/scheduler/donation-alerts-scheduler';
import { FakeDonationAlerts } from '../../test/fakes/fake-donationalerts';
import { BASE_TEST_ENV } from '../../test/support/app';
import { createTestDatabase, type TestDatabase } from '../../test/support/databases';
import { clearRedisPrefix } from '../../test/support/redis';
import { donationAlertsEnv } from '../../test/support/donation-alerts';
import { uniqueName } from '../../test/support/services';
import { runBaseline, type BaselineResult } from './baseline';
import { driveTicks, TICK_DRIVERS, type RunningDriver, type TickDriver } from './driver';
import { startBenchRedis, type BenchRedis } from './private-redis';
import { SchedulerProbe } from './probe';
import { seedStreamers, type SeededStreamer } from './seed';
import {
  commandCalls,
  commandDelta,
  distribution,
  redisCpuSeconds,
  round,
  sum,
  type Distribution,
} from './stats';
import { positiveNumber } from '../support/options';

/** What one run does; every field can be set from the environment (see bench/README.md). */
interface Options {
  durationS: number;
  baselineS: number;
  /** Streamers whose DonationAlerts never answers (each request ends at the app's request timeout). */
  unresponsive: number;
  streamers: number;
  latencyMs: number;
  appRateLimit: number;
  driver: TickDriver;
  label: string;
  out: string;
}

function options(argv: string[], env: NodeJS.ProcessEnv): Options {
  const durationS = positiveNumber(argv[0] ?? env.BENCH_DURATION_S, 60, 'BENCH_DURATION_S');
  const driver = (env.BENCH_DRIVER ?? 'app') as TickDriver;
  if (!TICK_DRIVERS.includes(driver)) {
    throw new Error(`BENCH_DRIVER must be one of ${TICK_DRIVERS.join(', ')} (got "${driver}")`);
  }
  const result = {
    driver,
    durationS,
    baselineS: positiveNumber(env.BENCH_BASELINE_S, durationS, 'BENCH_BASELINE_S'),
    streamers: Math.round(positiveNumber(env.BENCH_STREAMERS, 1000, 'BENCH_STREAMERS')),
    unresponsive: Number(env.BENCH_UNRESPONSIVE_STREAMERS || 0),
    latencyMs: positiveNumber(env.BENCH_LATENCY_MS, 50, 'BENCH_LATENCY_MS'),
    appRateLimit: Math.round(positiveNumber(env.BENCH_APP_RATE_LIMIT, 100_000, 'BENCH_APP_RATE_LIMIT')),
    label:
      env.BENCH_LABEL ?? `${new Date().toISOString().slice(0, 16)}${driver === 'app' ? '' : ` ${driver}`}`,
    out: resolve(env.BENCH_OUT ?? 'reports/bench/scheduler.json'),
  };
  if (!Number.isInteger(result.unresponsive) || result.unresponsive < 0) {
    throw new Error(`BENCH_UNRESPONSIVE_STREAMERS must be a whole number (got "${result.unresponsive}")`);
  }
  if (result.unresponsive >= result.streamers) {
    throw new Error('BENCH_UNRESPONSIVE_STREAMERS must be below BENCH_STREAMERS');
  }
  return result;
}

/** Counts the commands the benchmark itself sends to the benchmarked Redis, to take them out of its totals. */
class OwnCommands {
  readonly counts = new Map<string, number>();

  add(name: string, times = 1): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + times);
  }
}

interface Snapshot {
  at: number;
  cpu: NodeJS.CpuUsage;
  elu: ReturnType<typeof performance.eventLoopUtilization>;
  commands: Map<string, number>;
  redisCpuS: number;
  daRequests: number;
  pollsOk: number;
}

async function snapshot(
  monitor: Redis,
  fake: FakeDonationAlerts,
  metrics: MetricsService,
): Promise<Snapshot> {
  const [commands, cpuInfo] = await Promise.all([monitor.info('commandstats'), monitor.info('cpu')]);
  return {
    at: performance.now(),
    cpu: process.cpuUsage(),
    elu: performance.eventLoopUtilization(),
    commands: commandCalls(commands),
    redisCpuS: redisCpuSeconds(cpuInfo),
    daRequests: fake.calls.donations,
    pollsOk: await okPolls(metrics),
  };
}

/** `da_polls_total{outcome="ok"}` from the instance's own Prometheus registry. */
async function okPolls(metrics: MetricsService): Promise<number> {
  const metric = metrics.registry.getSingleMetric('da_polls_total');
  if (!metric) {
    throw new Error('da_polls_total is not registered');
  }
  const { values } = await metric.get();
  return sum(values.filter((value) => value.labels.outcome === 'ok').map((value) => value.value));
}

interface BacklogSample {
  atMs: number;
  overdue: number;
  oldestOverdueMs: number;
  rssMb: number;
}

interface DonationFeed {
  addedAt: Map<string, number>;
  stop(): void;
}

/** One donation every `everyMs` to a streamer picked by a fixed stride, until `untilMs` after the start. */
function feedDonations(
  fake: FakeDonationAlerts,
  streamers: SeededStreamer[],
  everyMs: number,
  untilMs: number,
): DonationFeed {
  const addedAt = new Map<string, number>();
  const started = Date.now();
  let k = 0;
  const timer = setInterval(() => {
    if (Date.now() - started >= untilMs) {
      clearInterval(timer);
      return;
    }
    k += 1;
    const streamer = streamers[(k * 7919) % streamers.length];
    const donation = fake.addDonation(streamer.daUserId);
    addedAt.set(String(donation.id), Date.now());
  }, everyMs);
  return { addedAt, stop: () => clearInterval(timer) };
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await delay(20);
  }
}

const IDLE_SAMPLE_MS = 10_000;
const ms = (value: number) => round(value, 0);
const lagSummary = (d: Distribution) => ({
  count: d.count,
  p50Ms: ms(d.p50),
  p99Ms: ms(d.p99),
  maxMs: ms(d.max),
  meanMs: ms(d.mean),
});

async function main(): Promise<void> {
  const opts = options(process.argv.slice(2), process.env);
  const durationMs = opts.durationS * 1000;
  console.log(
    `bench/scheduler: ${opts.streamers} streamers, fake latency ${opts.latencyMs} ms, ` +
      `baselines ${opts.baselineS} s, scheduler run ${opts.durationS} s, tick driver ${opts.driver}`,
  );
  // The fake's delayed answers each listen on one shared AbortSignal; 16 at once is expected here.
  setMaxListeners(1_000);

  const loadBefore = loadavg();
  const redis: BenchRedis = await startBenchRedis();
  const keyPrefix = `${uniqueName('bench')}:`;
  let database: TestDatabase | undefined;
  let fake: FakeDonationAlerts | undefined;
  let app: NestExpressApplication | undefined;
  let monitor: Redis | undefined;
  try {
    database = await createTestDatabase('postgres');
    fake = await FakeDonationAlerts.start({ latencyMs: opts.latencyMs, appRateLimit: 1_000_000 });
    const config: AllConfig = loadConfig({
      ...BASE_TEST_ENV,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
      ...database.env,
      REDIS_URL: redis.url,
      REDIS_REQUIRED: 'true',
      REDIS_KEY_PREFIX: keyPrefix,
      SCHEDULER_ENABLED: opts.driver === 'app' ? 'true' : 'false',
      DA_APP_RATE_LIMIT: String(opts.appRateLimit),
      ...donationAlertsEnv(fake),
    });
    app = (await createApp(config)).app;
    await app.init();
    const settings = config.scheduler;

    // The instance leads (it is alone) and runs its start-up leader jobs on an empty database first, so its
    // schedule reconciliation cannot add the streamers before the benchmark does.
    const leader = app.get(LeaderService);
    await waitFor(() => leader.isLeader(), 10_000, 'leadership');
    await delay(1_000);

    let setupStarted = performance.now();
    const streamers = await seedStreamers(app, fake, opts.streamers);
    console.log(`seeded ${streamers.length} streamers in ${ms(performance.now() - setupStarted)} ms`);

    const scheduler = app.get(DonationAlertsScheduler);
    const concurrency = scheduler.concurrencyFor(streamers.length);
    monitor = new Redis(redis.url);
    const own = new OwnCommands();
    const scheduleKey = app.get(RedisConnection).key('schedule', 'donationalerts');
    own.add('zcard');
    if ((await monitor.zcard(scheduleKey)) !== 0) {
      throw new Error('The schedule is not empty before the run: something else added the streamers');
    }

    // Baseline: same process, same fake, same streamers and concurrency, no scheduler; a short warm-up first.
    // The unresponsive streamers (if any) are the last ones; the baselines poll only the others.
    const responsive = streamers.slice(0, streamers.length - opts.unresponsive);
    await runBaseline(fake.baseUrl, responsive, concurrency, 2_000);
    console.log(`baseline: ${concurrency} workers for ${opts.baselineS} s ...`);
    const baseline: BaselineResult = await runBaseline(
      fake.baseUrl,
      responsive,
      concurrency,
      opts.baselineS * 1000,
    );
    console.log(
      `baseline: ${baseline.requests} requests, ${round(baseline.requestsPerSecond)}/s, ` +
        `${round(baseline.cpuPerRequestUs)} µs CPU per request`,
    );

    // The scheduler run: every streamer added at t0, the instance's own tick does the rest.
    const metrics = app.get(MetricsService);
    const probe = SchedulerProbe.attach(app);
    for (const { daUserId } of streamers.slice(responsive.length)) {
      fake.failNextDonations('timeout', 1_000, { userId: daUserId });
    }
    global.gc?.();
    const before = await snapshot(monitor, fake, metrics);
    probe.start();
    setupStarted = performance.now();
    await Promise.all(streamers.map(({ streamerId }) => scheduler.add(streamerId)));
    const addMs = performance.now() - setupStarted;
    own.add('zcard');
    const scheduled = await monitor.zcard(scheduleKey);
    if (scheduled !== streamers.length) {
      throw new Error(`${scheduled} of ${streamers.length} streamers are in ${scheduleKey}`);
    }
    console.log(
      `scheduler: ${scheduled} streamers added in ${ms(addMs)} ms; running ${opts.durationS} s ...`,
    );
    const driver: RunningDriver | undefined =
      opts.driver === 'app' ? undefined : driveTicks(app, probe, opts.driver, settings.tickMs);

    const feedUntilMs = Math.max(durationMs / 2, durationMs - 15_000);
    const feed = feedDonations(fake, responsive, 500, feedUntilMs);
    const backlog: BacklogSample[] = [];
    let maxRssMb = process.memoryUsage().rss / 2 ** 20;
    const sampler = setInterval(() => {
      const now = Date.now();
      own.add('zcount');
      own.add('zrange');
      void Promise.all([
        monitor!.zcount(scheduleKey, '-inf', now),
        monitor!.zrange(scheduleKey, 0, 0, 'WITHSCORES'),
      ]).then(([overdue, oldest]) => {
        const rssMb = process.memoryUsage().rss / 2 ** 20;
        maxRssMb = Math.max(maxRssMb, rssMb);
        const oldestDue = oldest.length === 2 ? Number(oldest[1]) : now;
        backlog.push({
          atMs: probe.elapsed(),
          overdue,
          oldestOverdueMs: Math.max(0, now - oldestDue),
          rssMb,
        });
      });
    }, 1_000);

    await delay(Math.max(0, before.at + durationMs - performance.now()));
    clearInterval(sampler);
    feed.stop();
    const after = await snapshot(monitor, fake, metrics);
    probe.stop();

    // Streamers still waiting when the run stopped: their lag so far (never claimed in the run = not in `lags`).
    const endNow = Date.now();
    const overdueAtEnd = (await monitor.zrangebyscore(scheduleKey, '-inf', endNow, 'WITHSCORES'))
      .filter((_, i) => i % 2 === 1)
      .map((score) => endNow - Number(score));

    // Stop ticking, let polls in flight finish, then look at what was stored.
    if (driver) {
      await driver.stop();
    } else {
      app.get(SchedulerRegistry).deleteInterval('donationalerts-poll-tick');
      // Finished polls claim the next ones themselves; this stops that as a shutdown would.
      scheduler.beforeApplicationShutdown();
    }
    await waitFor(() => probe.inFlight === 0, 15_000, 'polls in flight');
    const stored = await app
      .get(DataSource)
      .query<Array<{ external_id: string; received_at: string }>>(
        `SELECT external_id, received_at FROM donations WHERE provider = 'donationalerts'`,
      );

    // The baseline again, paced to the request rate the scheduler just reached, for a like-for-like ratio.
    const elapsedMs = after.at - before.at;
    const schedulerRequestRate = ((after.daRequests - before.daRequests) / elapsedMs) * 1000;
    console.log(`baseline paced at ${round(schedulerRequestRate)} requests/s for ${opts.baselineS} s ...`);
    const matched = await runBaseline(
      fake.baseUrl,
      responsive,
      concurrency,
      opts.baselineS * 1000,
      schedulerRequestRate,
    );

    // What the process burns doing nothing (the idle instance's timers and leader jobs, GC), for reading the
    // baselines: a paced baseline pays it over fewer requests.
    const idleCpu = process.cpuUsage();
    const idleStarted = performance.now();
    await delay(IDLE_SAMPLE_MS);
    const idleUsed = process.cpuUsage(idleCpu);
    const idleCpuMsPerS = (idleUsed.user + idleUsed.system) / (performance.now() - idleStarted);

    // Figures.
    const windowsInRun = elapsedMs / settings.rateWindowMs;
    const cpuMs = (after.cpu.user - before.cpu.user + after.cpu.system - before.cpu.system) / 1000;
    const polls = after.pollsOk - before.pollsOk;
    const daRequests = after.daRequests - before.daRequests;
    const streamerBudget = streamers.length * settings.perStreamerLimit * windowsInRun;
    const appBudget = settings.appLimit * windowsInRun;
    const demand = (streamers.length * elapsedMs) / settings.baseIntervalMs;
    const adds = new Map([['zadd', streamers.length]]);
    const exclude = new Map(own.counts);
    for (const [name, count] of adds) {
      exclude.set(name, (exclude.get(name) ?? 0) + count);
    }
    const serverCommands = commandDelta(before.commands, after.commands, exclude);
    serverCommands.delete('info');
    const serverTotal = sum(serverCommands.values());
    const clientCalls = probe.redisCalls - streamers.length;
    const cpuPerPollUs = (cpuMs * 1000) / Math.max(1, polls);
    const baselineFigures = (b: BaselineResult) => ({
      ...b,
      durationMs: ms(b.durationMs),
      pacedPerSecond: b.pacedPerSecond === null ? null : round(b.pacedPerSecond),
      requestsPerSecond: round(b.requestsPerSecond),
      cpuMs: ms(b.cpuMs),
      cpuPerRequestUs: round(b.cpuPerRequestUs),
      eventLoopUtilization: round(b.eventLoopUtilization, 3),
    });
    const secondHalf = probe.lags.filter(({ atMs }) => atMs >= elapsedMs / 2).map(({ lagMs }) => lagMs);
    const steadyPolls = probe.completedAtMs.filter((at) => at >= elapsedMs / 2 && at <= elapsedMs).length;
    const steadyPollsPerMin = (steadyPolls / (elapsedMs / 2)) * 60_000;
    const fed = feed.addedAt;
    const detection = stored
      .filter(({ external_id }) => fed.has(external_id))
      .map(({ external_id, received_at }) => Number(received_at) - fed.get(external_id)!);
    const historicReplayed = stored.filter(({ external_id }) => !fed.has(external_id)).length;
    const ticks = probe.ticks;

    const result = {
      label: opts.label,
      tickDriver: opts.driver,
      command: 'npx tsc -p tsconfig.bench.json && node dist-bench/bench/scheduler/run.js',
      startedAt: new Date(Date.now() - elapsedMs).toISOString(),
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? 'unknown',
        node: process.version,
        // 1-minute load average before and after: well above 1, something else competed for the 2 cores.
        loadAverage1m: { before: round(loadBefore[0], 2), after: round(loadavg()[0], 2) },
        redis: `${redis.version}${redis.isPrivate ? ' (private redis-server for the run)' : ' (shared)'}`,
        postgres: (
          await app.get(DataSource).query<Array<{ server_version: string }>>('SHOW server_version')
        )[0].server_version,
      },
      settings: {
        streamers: streamers.length,
        unresponsiveStreamers: opts.unresponsive,
        requestTimeoutMs: config.donationAlerts.requestTimeoutMs,
        fakeLatencyMs: opts.latencyMs,
        durationS: round(elapsedMs / 1000, 2),
        tickMs: settings.tickMs,
        baseIntervalMs: settings.baseIntervalMs,
        perStreamerLimit: `${settings.perStreamerLimit}/${settings.rateWindowMs} ms`,
        appLimit: `${settings.appLimit}/${settings.rateWindowMs} ms`,
        pollConcurrency: { configured: settings.concurrency, effective: concurrency },
        lockTtlMs: settings.lockTtlMs,
        dbPoolSize: config.database.type === 'postgres' ? config.database.poolSize : null,
      },
      baseline: baselineFigures(baseline),
      baselineSameRate: baselineFigures(matched),
      idleCpuMsPerSecond: round(idleCpuMsPerS, 2),
      scheduler: {
        polls,
        pollsPerMinute: round((polls / elapsedMs) * 60_000),
        steadyPollsPerMinute: round(steadyPollsPerMin),
        outcomes: probe.outcomes,
        daRequests,
        requestsPerPoll: round(daRequests / Math.max(1, polls), 3),
        fakeRefusedForRate: fake.rejectedForRate,
        budget: {
          perStreamerBudget: Math.round(streamerBudget),
          utilisationPct: round((daRequests / streamerBudget) * 100),
          appBudget: Math.round(appBudget),
          appUtilisationPct: round((daRequests / appBudget) * 100, 2),
          demandAtBaseInterval: Math.round(demand),
        },
        lag: {
          whole: lagSummary(distribution(probe.lags.map(({ lagMs }) => lagMs))),
          secondHalf: lagSummary(distribution(secondHalf)),
          overdueAtEnd: { count: overdueAtEnd.length, maxMs: ms(Math.max(0, ...overdueAtEnd)) },
          backlogMaxOverdue: Math.max(0, ...backlog.map(({ overdue }) => overdue)),
          backlogMaxOldestMs: ms(Math.max(0, ...backlog.map(({ oldestOverdueMs }) => oldestOverdueMs))),
        },
        pollDurationMs: lagSummary(distribution(probe.pollDurationsMs)),
        ticks: {
          withClaims: ticks.length,
          claimedPerTick: round(sum(ticks.map(({ claimed }) => claimed)) / Math.max(1, ticks.length), 2),
          durationMs: lagSummary(distribution(ticks.map(({ durationMs }) => durationMs))),
        },
        maxPollsInFlight: probe.maxInFlight,
        cpu: {
          totalMs: ms(cpuMs),
          perPollUs: round(cpuPerPollUs),
          ratioToBaseline: round(cpuPerPollUs / baseline.cpuPerRequestUs, 2),
          ratioToSameRateBaseline: round(cpuPerPollUs / matched.cpuPerRequestUs, 2),
          overSameRatePerPollUs: round(cpuPerPollUs - matched.cpuPerRequestUs),
          coreShare: round(cpuMs / elapsedMs, 3),
          eventLoopUtilization: round(performance.eventLoopUtilization(after.elu, before.elu).utilization, 3),
        },
        redis: {
          serverCommands: serverTotal,
          serverCommandsPerPoll: round(serverTotal / Math.max(1, polls), 2),
          clientCalls,
          clientCallsPerPoll: round(clientCalls / Math.max(1, polls), 2),
          byCommandPerPoll: Object.fromEntries(
            [...serverCommands]
              .sort((a, b) => b[1] - a[1])
              .map(([name, count]) => [name, round(count / Math.max(1, polls), 2)]),
          ),
          serverCpuPerPollUs: round(((after.redisCpuS - before.redisCpuS) * 1e6) / Math.max(1, polls)),
          exclusive: redis.isPrivate,
        },
        sqlPerPoll: round(probe.dbQueries / Math.max(1, polls), 2),
        memory: {
          maxRssMb: round(maxRssMb),
          endHeapUsedMb: round(process.memoryUsage().heapUsed / 2 ** 20),
        },
        donations: {
          fed: fed.size,
          stored: detection.length,
          historicReplayed,
          detectionMs: lagSummary(distribution(detection)),
        },
      },
    };

    mkdirSync(dirname(opts.out), { recursive: true });
    writeFileSync(opts.out, `${JSON.stringify(result, null, 2)}\n`);
    const s = result.scheduler;
    console.log(`\nwrote ${opts.out}\n`);
    console.log(
      '| run | polls/min | budget used | lag p50 / p99 / max (ms) | 2nd-half lag p50 / p99 (ms) | CPU/poll (µs) | ' +
        'bare request CPU, unpaced / same rate (µs) | ratio, unpaced / same rate | ' +
        'Redis cmds/poll (server / round trips) | SQL/poll | max RSS (MB) |',
    );
    console.log('|---|---|---|---|---|---|---|---|---|---|---|');
    console.log(
      `| ${opts.label} | ${s.pollsPerMinute} | ${s.budget.utilisationPct} % | ` +
        `${s.lag.whole.p50Ms} / ${s.lag.whole.p99Ms} / ${s.lag.whole.maxMs} | ` +
        `${s.lag.secondHalf.p50Ms} / ${s.lag.secondHalf.p99Ms} | ${s.cpu.perPollUs} | ` +
        `${result.baseline.cpuPerRequestUs} / ${result.baselineSameRate.cpuPerRequestUs} | ` +
        `${s.cpu.ratioToBaseline}× / ${s.cpu.ratioToSameRateBaseline}× | ` +
        `${s.redis.serverCommandsPerPoll} / ${s.redis.clientCallsPerPoll} | ${s.sqlPerPoll} | ${s.memory.maxRssMb} |`,
    );
  } finally {
    monitor?.disconnect();
    await app?.close().catch((error: Error) => console.error(`closing the app: ${error.message}`));
    await fake?.close();
    await database?.drop().catch((error: Error) => console.error(`dropping the schema: ${error.message}`));
    if (!redis.isPrivate) {
      await clearRedisPrefix(keyPrefix, redis.url);
    }
    await redis.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
