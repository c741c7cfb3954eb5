import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { TEST_ENCRYPTION_KEY } from '../../test/support/app';
import { httpGet } from '../../test/support/http';
import { freePort } from '../../test/support/processes';

/** How a server process ended after SIGTERM. */
export interface StopResult {
  ms: number;
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One watched streamer: the app needs its id for the admin route, both sides serve it by token. */
export interface BenchStreamer {
  id: string;
  token: string;
}

export interface MemorySample {
  /** VmRSS and VmHWM of the server process, from /proc/<pid>/status (MB). */
  rssMb: number;
  peakRssMb: number;
  /** V8 heap in use, as the process reports it itself (app: /metrics, baseline: /stats). */
  heapUsedMb: number;
}

/** The process under test: the app (dist-bench/src/main.js) or the raw node:http relay. */
export interface BenchServer {
  kind: 'app' | 'baseline';
  pid: number;
  host: string;
  port: number;
  eventsPath(streamer: BenchStreamer): string;
  /** Makes the server send one event to the streamer's streams; resolves with the request's duration (ms). */
  trigger(streamer: BenchStreamer): Promise<number>;
  memory(): Promise<MemorySample>;
  /** Streams the server itself counts as open. */
  openStreams(): Promise<number>;
  stop(): Promise<StopResult>;
  output(): string;
}

const HOST = '127.0.0.1';
export const ADMIN_KEY = 'overlay-bench-admin-key-0123456789abcdef';
const OUTPUT_LIMIT = 64 * 1024;
/** Clock ticks per second of /proc/<pid>/stat (USER_HZ; 100 on every Linux this runs on). */
const USER_HZ = 100;

/** A node process with only PATH and `env` in its environment, its output kept (the tail), stopped by SIGTERM. */
class ServerProcess {
  private readonly child: ChildProcessByStdio<null, Readable, Readable>;
  private text = '';

  constructor(args: string[], env: Record<string, string>) {
    this.child = spawn(process.execPath, args, {
      // Not the repository: a developer's .env there must not change the deployment under test.
      cwd: tmpdir(),
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: string) => {
      this.text = (this.text + chunk).slice(-OUTPUT_LIMIT);
    };
    this.child.stdout.setEncoding('utf8').on('data', keep);
    this.child.stderr.setEncoding('utf8').on('data', keep);
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  get output(): string {
    return this.text;
  }

  async waitFor(ready: () => Promise<boolean> | boolean, what: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) {
        throw new Error(`the process exited before ${what}:\n${this.text}`);
      }
      if (await ready()) {
        return;
      }
      await delay(100);
    }
    throw new Error(`no ${what} within ${timeoutMs} ms:\n${this.text}`);
  }

  /** SIGTERM, then SIGKILL after `graceMs`; says how it ended and how long that took. */
  async stop(graceMs = 60_000): Promise<StopResult> {
    const started = performance.now();
    if (this.running) {
      const exited = once(this.child, 'exit');
      this.child.kill('SIGTERM');
      await Promise.race([exited, delay(graceMs, undefined, { ref: false })]);
      if (this.running) {
        this.child.kill('SIGKILL');
        await exited;
      }
    }
    return {
      ms: Math.round(performance.now() - started),
      code: this.child.exitCode,
      signal: this.child.signalCode,
    };
  }
}

/** VmRSS and VmHWM of a process, in MB. */
export function processRss(pid: number): { rssMb: number; peakRssMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, peakRssMb: kb('VmHWM') / 1024 };
}

/** User + system CPU of a process so far, in ms (10 ms resolution), from /proc/<pid>/stat. */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of stat (utime, stime) are at 11 and 12 once pid and comm are cut off.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ;
}

function metricValue(text: string, name: string): number {
  return Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([\\d.e+-]+)$`, 'm').exec(text)?.[1] ?? NaN);
}

async function postMs(url: string, headers: Record<string, string> = {}): Promise<number> {
  const started = performance.now();
  const response = await fetch(url, { method: 'POST', headers });
  const body = await response.text();
  if (!response.ok) {
    throw new Error(`POST ${url}: ${response.status} ${body}`);
  }
  return performance.now() - started;
}

/**
 * The app as production runs it: `node dist-bench/src/main.js` (the same tsc output as dist/, built by the
 * bench script), NODE_ENV=production, logs at warn, the scheduler off (no DonationAlerts here), everything else
 * at its default (15 s heartbeats included). `env` names the database and, for postgres+redis, Redis.
 */
export async function startApp(env: Record<string, string>, nodeArgs: string[] = []): Promise<BenchServer> {
  const port = await freePort();
  const origin = `http://${HOST}:${port}`;
  const server = new ServerProcess([...nodeArgs, join(__dirname, '../../src/main.js')], {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
    HOST,
    PORT: String(port),
    PUBLIC_URL: origin,
    APP_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
    ADMIN_API_KEY: ADMIN_KEY,
    SCHEDULER_ENABLED: 'false',
    ...env,
  });
  const metrics = async () => (await httpGet(`${origin}/metrics`)).body;
  try {
    await server.waitFor(
      () =>
        httpGet(`${origin}/health/live`).then(
          (response) => response.status === 200,
          () => false,
        ),
      'answer on /health/live',
    );
  } catch (error) {
    await server.stop(5_000);
    throw error;
  }
  return {
    kind: 'app',
    pid: server.pid,
    host: HOST,
    port,
    eventsPath: (streamer) => `/overlay/${streamer.token}/events`,
    trigger: (streamer) =>
      postMs(`${origin}/api/admin/streamers/${streamer.id}/test-alert`, {
        authorization: `Bearer ${ADMIN_KEY}`,
      }),
    memory: async () => ({
      ...processRss(server.pid),
      heapUsedMb: metricValue(await metrics(), 'nodejs_heap_size_used_bytes') / 2 ** 20,
    }),
    openStreams: async () => metricValue(await metrics(), 'overlay_sse_connections'),
    stop: () => server.stop(),
    output: () => server.output,
  };
}

/** The raw node:http relay (`baseline-server.ts`) in a process of its own. */
export async function startBaseline(): Promise<BenchServer> {
  const port = await freePort();
  const origin = `http://${HOST}:${port}`;
  const server = new ServerProcess([join(__dirname, 'baseline-server.js')], { PORT: String(port) });
  try {
    await server.waitFor(() => /listening on \d+/.test(server.output), '"listening on"');
  } catch (error) {
    await server.stop(5_000);
    throw error;
  }
  const stats = async () =>
    JSON.parse((await httpGet(`${origin}/stats`)).body) as {
      open: number;
      memory: NodeJS.MemoryUsage;
    };
  return {
    kind: 'baseline',
    pid: server.pid,
    host: HOST,
    port,
    eventsPath: (streamer) => `/overlay/${streamer.token}/events`,
    trigger: (streamer) => postMs(`${origin}/publish/${streamer.token}`),
    memory: async () => ({
      ...processRss(server.pid),
      heapUsedMb: (await stats()).memory.heapUsed / 2 ** 20,
    }),
    openStreams: async () => (await stats()).open,
    stop: () => server.stop(),
    output: () => server.output,
  };
}
