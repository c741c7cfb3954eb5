import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { freePort } from '../../test/support/processes';
import { TEST_REDIS_URL } from '../../test/support/services';

/** The Redis the benchmarked instance uses. */
export interface BenchRedis {
  url: string;
  /** True when this process started the server for itself: nothing else sends it commands. */
  isPrivate: boolean;
  version: string;
  stop(): Promise<void>;
}

const READY_ATTEMPTS = 50;
const READY_DELAY_MS = 100;

/**
 * A redis-server of the benchmark's own on a free 127.0.0.1 port (no persistence), so INFO commandstats counts
 * the benchmarked instance's commands and nobody else's. Falls back to the shared test Redis (BENCH_REDIS_URL or
 * TEST_REDIS_URL) when `redis-server` cannot be started; the report then says the counts may include others.
 */
export async function startBenchRedis(): Promise<BenchRedis> {
  const shared = process.env.BENCH_REDIS_URL;
  if (!shared) {
    const started = await startPrivateRedis().catch((error: Error) => {
      console.warn(`redis-server could not be started (${error.message}); using ${TEST_REDIS_URL}`);
      return null;
    });
    if (started) {
      return started;
    }
  }
  const url = shared ?? TEST_REDIS_URL;
  return { url, isPrivate: false, version: await serverVersion(url), stop: () => Promise.resolve() };
}

async function startPrivateRedis(): Promise<BenchRedis> {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--loglevel',
      'warning',
    ],
    { stdio: 'ignore' },
  );
  const failed = new Promise<never>((_, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`redis-server exited with code ${code}`)));
  });
  const url = `redis://127.0.0.1:${port}`;
  try {
    const version = await Promise.race([waitUntilReady(url), failed]);
    return { url, isPrivate: true, version, stop: () => stopChild(child) };
  } catch (error) {
    await stopChild(child);
    throw error;
  }
}

async function waitUntilReady(url: string): Promise<string> {
  let lastError: unknown;
  for (let attempt = 0; attempt < READY_ATTEMPTS; attempt += 1) {
    try {
      return await serverVersion(url);
    } catch (error) {
      lastError = error;
      await delay(READY_DELAY_MS);
    }
  }
  throw new Error(`redis-server at ${url} did not answer: ${(lastError as Error).message}`);
}

async function serverVersion(url: string): Promise<string> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const info = await client.info('server');
    return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  } finally {
    client.disconnect();
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await Promise.race([exited, delay(5_000)]);
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
  }
}
