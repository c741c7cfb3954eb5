import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { StreamerEntity } from '../../src/streamers/entities/streamer.entity';
import { newOverlayToken } from '../../src/streamers/typeorm-streamers.repository';
import { createTestDatabase, openDataSource } from '../../test/support/databases';
import { clearRedisPrefix } from '../../test/support/redis';
import { TEST_REDIS_URL, uniqueName } from '../../test/support/services';
import { distribution, round, type Distribution } from '../scheduler/stats';
import { ClientPool } from './client-pool';
import { monotonicMs } from './protocol';
import {
  processCpuMs,
  startApp,
  startBaseline,
  type BenchServer,
  type BenchStreamer,
  type MemorySample,
  type StopResult,
} from './servers';

/**
 * SSE fan-out of one donation: N clients on one app instance, delivery latency and the server's RSS, against a
 * raw node:http relay measured in the same run with the same clients. See bench/README.md.
 */

type Deployment = 'postgres+redis' | 'sqlite';

interface Scenario {
  name: string;
  deployment: Deployment;
  streamers: number;
  clientsPerStreamer: number;
  rounds: number;
}

interface Options {
  scenarios: Scenario[];
  clientProcesses: number;
  connectConcurrency: number;
  settleMs: number;
  pauseMs: number;
  deliveryTimeoutMs: number;
  appNodeArgs: string[];
  sides: Array<'baseline' | 'app'>;
  label: string;
  out: string;
}

const DEFAULT_SCENARIOS = 'redis-1x1000,redis-1x10000,sqlite-1x1000,sqlite-1x10000,redis-1000x10';

function options(env: NodeJS.ProcessEnv): Options {
  const int = (name: string, fallback: number): number => {
    const value = env[name];
    const parsed = value === undefined || value === '' ? fallback : Number(value);
    if (!Number.isInteger(parsed) || parsed < 0) {
      throw new Error(`${name} must be a whole number (got "${value}")`);
    }
    return parsed;
  };
  const rounds = int('BENCH_ROUNDS', 5);
  const roundsMany = int('BENCH_ROUNDS_MANY', 20);
  const scenarios = (env.BENCH_SCENARIOS ?? DEFAULT_SCENARIOS).split(',').map((name): Scenario => {
    const match = /^(redis|sqlite)-(\d+)x(\d+)$/.exec(name.trim());
    if (!match) {
      throw new Error(`BENCH_SCENARIOS: "${name}" is not <redis|sqlite>-<streamers>x<clients per streamer>`);
    }
    const streamers = Number(match[2]);
    return {
      name: name.trim(),
      deployment: match[1] === 'redis' ? 'postgres+redis' : 'sqlite',
      streamers,
      clientsPerStreamer: Number(match[3]),
      rounds: streamers === 1 ? rounds : roundsMany,
    };
  });
  const sides = (env.BENCH_SIDES ?? 'baseline,app').split(',') as Options['sides'];
  return {
    scenarios,
    clientProcesses: int('BENCH_CLIENT_PROCS', 2),
    connectConcurrency: int('BENCH_CONNECT_CONCURRENCY', 100),
    settleMs: int('BENCH_SETTLE_MS', 3000),
    pauseMs: int('BENCH_PAUSE_MS', 1000),
    deliveryTimeoutMs: int('BENCH_DELIVERY_TIMEOUT_MS', 60_000),
    appNodeArgs: (env.BENCH_APP_NODE_ARGS ?? '').split(' ').filter(Boolean),
    sides,
    label: env.BENCH_LABEL ?? new Date().toISOString().slice(0, 16),
    out: resolve(env.BENCH_OUT ?? 'reports/bench/overlay.json'),
  };
}

/** A database (and Redis prefix) with the streamers in it, shared by the scenarios of one deployment. */
interface PreparedDeployment {
  env: Record<string, string>;
  streamers: BenchStreamer[];
  close(): Promise<void>;
}

async function prepare(deployment: Deployment, count: number): Promise<PreparedDeployment> {
  const database = await createTestDatabase(deployment === 'sqlite' ? 'sqlite' : 'postgres');
  const dataSource = await openDataSource(database);
  const now = Date.now();
  const streamers: BenchStreamer[] = Array.from({ length: count }, () => ({
    id: randomUUID(),
    token: newOverlayToken(),
  }));
  try {
    for (let start = 0; start < count; start += 250) {
      const rows = streamers.slice(start, start + 250).map((streamer, offset) => ({
        id: streamer.id,
        twitchId: String(80_000_001 + start + offset),
        login: `overlay_bench_${start + offset}`,
        displayName: `Overlay_Bench_${start + offset}`,
        avatarUrl: null,
        overlayToken: streamer.token,
        status: 'active' as const,
        createdAt: now,
        updatedAt: now,
      }));
      await dataSource.createQueryBuilder().insert().into(StreamerEntity).values(rows).execute();
    }
  } finally {
    await dataSource.destroy();
  }
  if (deployment === 'sqlite') {
    return { env: database.env, streamers, close: () => database.drop() };
  }
  const keyPrefix = `${uniqueName('overlay_bench')}:`;
  return {
    env: { ...database.env, REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: keyPrefix },
    streamers,
    close: async () => {
      await database.drop();
      await clearRedisPrefix(keyPrefix);
    },
  };
}

/** The commit the app was built from, and whether src/, libs/ or config/ differed from it. */
function revision(): { commit: string; appCodeModified: boolean } {
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: resolve(__dirname, '../../..'), encoding: 'utf8' }).trim();
  try {
    return {
      commit: git('rev-parse', 'HEAD'),
      appCodeModified: git('status', '--porcelain', '--', 'src', 'libs', 'config') !== '',
    };
  } catch {
    return { commit: 'unknown', appCodeModified: false };
  }
}

/** Epoch ms minus monotonic ms, taken just as Date.now() ticks, to turn receipt times into epoch times. */
function epochOffset(): number {
  const samples: number[] = [];
  for (let i = 0; i < 5; i += 1) {
    const start = Date.now();
    let now = start;
    while (now === start) {
      now = Date.now();
    }
    samples.push(now - monotonicMs());
  }
  return samples.sort((a, b) => a - b)[2];
}

interface RoundResult {
  round: number;
  streamer: number;
  expected: number;
  received: number;
  /** From just before the trigger request (t0) to receipt, ms. */
  latency: Distribution;
  firstMs: number;
  /** Last receipt minus first receipt: the fan-out itself. */
  spreadMs: number;
  /** From the event's data.receivedAt (the server's store time, epoch ms) to receipt, ms. */
  fromStore: Distribution | null;
  triggerMs: number;
  /** Server process CPU from t0 until the trigger has answered and every client has the event. */
  serverCpuMs: number;
  clientCpuMs: number;
  stray: number;
}

interface SideResult {
  kind: 'app' | 'baseline';
  connect: { opened: number; failed: number; ms: number; perSecond: number; error?: string };
  serverOpenStreams: number;
  memory: { idle: MemorySample; connected: MemorySample; afterDelivery: MemorySample };
  rssPerConnectionKb: number;
  heapPerConnectionKb: number;
  warmUp: RoundResult;
  rounds: RoundResult[];
  /** Median over the measured rounds (warm-up excluded) of each per-round figure. */
  median: {
    p50: number;
    p99: number;
    max: number;
    first: number;
    spread: number;
    fromStoreP50: number;
    fromStoreP99: number;
    triggerMs: number;
    serverCpuMs: number;
    clientCpuMs: number;
  };
  /** All receipts of all measured rounds together. */
  pooled: Distribution;
  missing: number;
  stray: number;
  endedByServer: number;
  /** How the server process ended after SIGTERM with every stream still open. */
  shutdown?: StopResult;
  loadAvg: { before: number; after: number };
}

function median(values: number[]): number {
  const finite = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (finite.length === 0) {
    return Number.NaN;
  }
  const middle = Math.floor(finite.length / 2);
  return finite.length % 2 === 1 ? finite[middle] : (finite[middle - 1] + finite[middle]) / 2;
}

function rounded(value: Distribution): Distribution {
  return {
    count: value.count,
    p50: round(value.p50, 2),
    p99: round(value.p99, 2),
    max: round(value.max, 2),
    mean: round(value.mean, 2),
  };
}

/** Which streamer round `index` sends to: always the first one, or a different one each round. */
function streamerOf(scenario: Scenario, index: number): number {
  return scenario.streamers === 1 ? 0 : (index * 7919) % scenario.streamers;
}

async function runSide(
  kind: 'app' | 'baseline',
  scenario: Scenario,
  prepared: PreparedDeployment,
  opts: Options,
  offset: number,
): Promise<SideResult> {
  const loadBefore = loadavg()[0];
  const server: BenchServer =
    kind === 'app' ? await startApp(prepared.env, opts.appNodeArgs) : await startBaseline();
  const pool = ClientPool.start(opts.clientProcesses);
  let result: SideResult | undefined;
  try {
    await delay(opts.settleMs);
    const idle = await server.memory();
    const clients = scenario.streamers * scenario.clientsPerStreamer;
    const streamers = prepared.streamers.slice(0, scenario.streamers);
    const targets = Array.from({ length: clients }, (_, index) => ({
      path: server.eventsPath(streamers[index % scenario.streamers]),
      group: index % scenario.streamers,
    }));
    const connect = await pool.connect(server.host, server.port, targets, opts.connectConcurrency);
    console.log(
      `  ${kind}: ${connect.opened} streams open in ${Math.round(connect.ms)} ms` +
        (connect.failed > 0 ? `, ${connect.failed} failed (${connect.error})` : ''),
    );
    await delay(opts.settleMs);
    const connected = await server.memory();
    const serverOpenStreams = await server.openStreams();

    const results: RoundResult[] = [];
    const pooled: number[] = [];
    for (let index = 0; index <= scenario.rounds; index += 1) {
      const target = streamerOf(scenario, index);
      const expected = await pool.expect(index, target);
      const clientCpu0 = pool.pids().map(processCpuMs);
      const cpu0 = processCpuMs(server.pid);
      const t0 = monotonicMs();
      const triggered = server.trigger(streamers[target]);
      const [triggerMs] = await Promise.all([triggered, pool.delivered(index, opts.deliveryTimeoutMs)]);
      const serverCpuMs = processCpuMs(server.pid) - cpu0;
      const clientCpuMs = pool.pids().reduce((total, pid, i) => total + processCpuMs(pid) - clientCpu0[i], 0);
      const collected = await pool.collect();
      const received = collected.times.filter((time): time is number => time !== null);
      const latencies = received.map((time) => time - t0);
      const latency = distribution(latencies);
      if (index > 0) {
        pooled.push(...latencies);
      }
      const receivedAt = collected.receivedAt;
      results.push({
        round: index,
        streamer: target,
        expected,
        received: received.length,
        latency: rounded(latency),
        firstMs: round(Math.min(...received) - t0, 2),
        spreadMs: round(Math.max(...received) - Math.min(...received), 2),
        fromStore:
          receivedAt === null
            ? null
            : rounded(distribution(received.map((time) => time + offset - receivedAt))),
        triggerMs: round(triggerMs, 2),
        serverCpuMs,
        clientCpuMs,
        stray: collected.stray,
      });
      const last = results[results.length - 1];
      console.log(
        `  ${kind} ${index === 0 ? 'warm-up' : `round ${index}`}: ${last.received}/${expected} received, ` +
          `p50 ${last.latency.p50} p99 ${last.latency.p99} max ${last.latency.max} ms, ` +
          `spread ${last.spreadMs} ms, trigger ${last.triggerMs} ms, CPU server ${serverCpuMs} / clients ${clientCpuMs} ms`,
      );
      await delay(opts.pauseMs);
    }
    const afterDelivery = await server.memory();
    const ended = (await pool.collect()).ended;
    const measured = results.slice(1);
    const pick = (get: (result: RoundResult) => number) => round(median(measured.map(get)), 2);
    result = {
      kind,
      connect: {
        opened: connect.opened,
        failed: connect.failed,
        ms: Math.round(connect.ms),
        perSecond: Math.round((connect.opened / connect.ms) * 1000),
        error: connect.error,
      },
      serverOpenStreams,
      memory: { idle, connected, afterDelivery },
      rssPerConnectionKb: round(((connected.rssMb - idle.rssMb) * 1024) / connect.opened, 2),
      heapPerConnectionKb: round(((connected.heapUsedMb - idle.heapUsedMb) * 1024) / connect.opened, 2),
      warmUp: results[0],
      rounds: measured,
      median: {
        p50: pick((result) => result.latency.p50),
        p99: pick((result) => result.latency.p99),
        max: pick((result) => result.latency.max),
        first: pick((result) => result.firstMs),
        spread: pick((result) => result.spreadMs),
        fromStoreP50: pick((result) => result.fromStore?.p50 ?? Number.NaN),
        fromStoreP99: pick((result) => result.fromStore?.p99 ?? Number.NaN),
        triggerMs: pick((result) => result.triggerMs),
        serverCpuMs: pick((result) => result.serverCpuMs),
        clientCpuMs: pick((result) => result.clientCpuMs),
      },
      pooled: rounded(distribution(pooled)),
      missing: measured.reduce((total, result) => total + result.expected - result.received, 0),
      stray: results.reduce((total, result) => total + result.stray, 0),
      endedByServer: ended,
      loadAvg: { before: round(loadBefore, 2), after: round(loadavg()[0], 2) },
    };
    return result;
  } catch (error) {
    console.error(`${kind} output:\n${server.output()}`);
    throw error;
  } finally {
    const stopped = await server.stop();
    if (result) {
      result.shutdown = stopped;
    }
    console.log(`  ${kind}: stopped by SIGTERM in ${stopped.ms} ms (exit ${stopped.code ?? stopped.signal})`);
    await pool.close();
  }
}

interface ScenarioResult {
  scenario: Scenario;
  clients: number;
  baseline?: SideResult;
  app?: SideResult;
  ratio?: { p50: number; p99: number; max: number; spread: number; rssPerConnection: number };
}

function fmt(value: number | undefined, digits = 1): string {
  return value === undefined || !Number.isFinite(value)
    ? '–'
    : value.toLocaleString('en-US', { maximumFractionDigits: digits });
}

function printTables(results: ScenarioResult[]): void {
  console.log(
    '\n| scenario | side | clients | latency p50 / p99 / max (ms) | first / spread (ms) | from receivedAt p50 / p99 (ms) | trigger (ms) | server CPU / donation (ms) | RSS idle → connected → after (MB) | RSS / connection (KB) | heap / connection (KB) | connect (/s) |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const result of results) {
    for (const side of [result.baseline, result.app]) {
      if (!side) {
        continue;
      }
      const m = side.memory;
      console.log(
        `| ${result.scenario.name} | ${side.kind} | ${fmt(result.clients, 0)} | ${fmt(side.median.p50)} / ${fmt(side.median.p99)} / ${fmt(side.median.max)} | ` +
          `${fmt(side.median.first)} / ${fmt(side.median.spread)} | ${fmt(side.median.fromStoreP50)} / ${fmt(side.median.fromStoreP99)} | ` +
          `${fmt(side.median.triggerMs)} | ${fmt(side.median.serverCpuMs, 0)} | ${fmt(m.idle.rssMb, 0)} → ${fmt(m.connected.rssMb, 0)} → ${fmt(m.afterDelivery.rssMb, 0)} | ` +
          `${fmt(side.rssPerConnectionKb)} | ${fmt(side.heapPerConnectionKb)} | ${fmt(side.connect.perSecond, 0)} |`,
      );
    }
    if (result.ratio) {
      console.log(
        `| ${result.scenario.name} | **app / baseline** | | ${fmt(result.ratio.p50, 2)}× / ${fmt(result.ratio.p99, 2)}× / ${fmt(result.ratio.max, 2)}× | ` +
          `– / ${fmt(result.ratio.spread, 2)}× | | | | | ${fmt(result.ratio.rssPerConnection, 2)}× | | |`,
      );
    }
  }
}

async function main(): Promise<void> {
  const opts = options(process.env);
  // The migrations the set-up applies log at debug level through Nest's logger; only problems matter here.
  Logger.overrideLogger(['error', 'warn']);
  console.log(
    `overlay fan-out: ${opts.scenarios.map((scenario) => scenario.name).join(', ')}; ${opts.clientProcesses} client processes; ` +
      `load ${loadavg()
        .map((value) => value.toFixed(2))
        .join(' ')}`,
  );
  const startedAt = new Date().toISOString();
  const built = revision();
  const loadBefore = loadavg();
  const prepared = new Map<Deployment, PreparedDeployment>();
  const results: ScenarioResult[] = [];
  try {
    for (const scenario of opts.scenarios) {
      let deployment = prepared.get(scenario.deployment);
      if (!deployment) {
        const count = Math.max(
          ...opts.scenarios
            .filter((other) => other.deployment === scenario.deployment)
            .map((other) => other.streamers),
        );
        deployment = await prepare(scenario.deployment, count);
        prepared.set(scenario.deployment, deployment);
      }
      const clients = scenario.streamers * scenario.clientsPerStreamer;
      console.log(
        `\n${scenario.name}: ${scenario.deployment}, ${scenario.streamers} streamer(s) × ${scenario.clientsPerStreamer} clients, ` +
          `${scenario.rounds} rounds after a warm-up`,
      );
      const result: ScenarioResult = { scenario, clients };
      for (const side of opts.sides) {
        result[side] = await runSide(side, scenario, deployment, opts, epochOffset());
      }
      if (result.app && result.baseline) {
        const [app, baseline] = [result.app, result.baseline];
        result.ratio = {
          p50: round(app.median.p50 / baseline.median.p50, 2),
          p99: round(app.median.p99 / baseline.median.p99, 2),
          max: round(app.median.max / baseline.median.max, 2),
          spread: round(app.median.spread / baseline.median.spread, 2),
          rssPerConnection: round(app.rssPerConnectionKb / baseline.rssPerConnectionKb, 2),
        };
      }
      results.push(result);
    }
  } finally {
    for (const deployment of prepared.values()) {
      await deployment.close();
    }
  }
  const report = {
    label: opts.label,
    startedAt,
    finishedAt: new Date().toISOString(),
    ...built,
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    loadAvg: { before: loadBefore, after: loadavg() },
    options: { ...opts, scenarios: undefined },
    results,
  };
  mkdirSync(dirname(opts.out), { recursive: true });
  writeFileSync(opts.out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nwrote ${opts.out}`);
  printTables(results);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
