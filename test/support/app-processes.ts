import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Environment } from '../../config';
import { ADMIN_API_KEY } from './admin';
import { TEST_ENCRYPTION_KEY } from './app';
import { httpGet, type PlainResponse } from './http';
import { builtScript, freePort, NodeProcess } from './processes';

/** One instance of the compiled app running as a child process. */
export interface AppProcess {
  /** Its INSTANCE_ID: the owner name the shared state and the stats route show. */
  id: string;
  baseUrl: string;
  process: NodeProcess;
}

/**
 * Settings every instance of a process cluster starts from: production mode (JSON logs at info, so a failure
 * shows what each instance did), the test encryption key (seeded credentials decrypt), admin routes open to
 * ADMIN_API_KEY, and a small database pool per instance.
 */
export const PROCESS_TEST_ENV: Environment = {
  NODE_ENV: 'production',
  APP_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
  LOG_FORMAT: 'json',
  LOG_LEVEL: 'info',
  HOST: '127.0.0.1',
  ADMIN_API_KEY,
  REDIS_REQUIRED: 'true',
  DB_POOL_SIZE: '4',
};

/**
 * Instances of `dist/src/main.js` (run `npm run build` first) on shared settings, as an operator runs them
 * behind a load balancer: each gets its own port and INSTANCE_ID, nothing else differs. `close()` kills
 * whatever still runs, stopped (SIGSTOP) ones included.
 */
export class AppProcesses {
  private readonly started: AppProcess[] = [];
  private readonly workDir = mkdtempSync(join(tmpdir(), 'da-processes-'));

  /** Starts one instance per id at once and resolves when every one answers /health/live. */
  async start(ids: string[], env: Environment, { timeoutMs = 30_000 } = {}): Promise<AppProcess[]> {
    const main = builtScript('src/main.js');
    const ports = new Set<number>();
    while (ports.size < ids.length) {
      ports.add(await freePort());
    }
    const instances = [...ports].map((port, i): AppProcess => {
      const child = new NodeProcess(
        [main],
        { ...PROCESS_TEST_ENV, ...env, INSTANCE_ID: ids[i], PORT: String(port) },
        this.workDir,
      );
      return { id: ids[i], baseUrl: `http://127.0.0.1:${port}`, process: child };
    });
    this.started.push(...instances);
    await Promise.all(
      instances.map(({ baseUrl, process }) =>
        process.waitForHttp(`${baseUrl}/health/live`, (response) => response.status === 200, { timeoutMs }),
      ),
    );
    return instances;
  }

  /** Every instance's output, for the message of a failed test. */
  output(): string {
    return this.started.map(({ id, process }) => `===== ${id} =====\n${process.output}`).join('\n');
  }

  /** Runs a test body; when it fails, prints every instance's output before the failure is reported. */
  async printOutputOnFailure<T>(body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (error) {
      console.error(`Output of the app processes:\n${this.output()}`);
      throw error;
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.started.map(({ process }) => process.kill()));
    rmSync(this.workDir, { recursive: true, force: true });
  }
}

/** An admin GET on one instance (`Authorization: Bearer ADMIN_API_KEY`), its JSON body parsed. */
export async function adminGet<T>(instance: AppProcess, path: string): Promise<T> {
  const response: PlainResponse = await httpGet(`${instance.baseUrl}${path}`, {
    authorization: `Bearer ${ADMIN_API_KEY}`,
  });
  if (response.status !== 200) {
    throw new Error(`GET ${path} on ${instance.id} answered ${response.status}: ${response.body}`);
  }
  return JSON.parse(response.body) as T;
}
