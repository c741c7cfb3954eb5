import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { httpGet, type PlainResponse } from './http';

const ROOT = resolve(__dirname, '../..');

/** The compiled entry point under dist/; the process tests run what `npm run build` produced. */
export function builtScript(relativePath: string): string {
  const path = join(ROOT, 'dist', relativePath);
  if (!existsSync(path)) {
    throw new Error(`${path} does not exist: run \`npm run build\` before the process tests`);
  }
  return path;
}

/** A port nobody listens on right now (the app does not report the port it got for PORT=0). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A node child process with its output collected; `exited` settles once it has exited and its pipes closed. */
export class NodeProcess {
  readonly exited: Promise<Exit>;
  private readonly child: ChildProcessByStdio<null, Readable, Readable>;
  private stdoutText = '';
  private stderrText = '';
  private done = false;

  /** `node <args>` in `cwd` with only PATH and `env` in its environment: no settings leak in from the shell. */
  constructor(args: string[], env: Record<string, string>, cwd: string) {
    this.child = spawn(process.execPath, args, {
      cwd,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout.setEncoding('utf8').on('data', (chunk: string) => (this.stdoutText += chunk));
    this.child.stderr.setEncoding('utf8').on('data', (chunk: string) => (this.stderrText += chunk));
    this.exited = new Promise((resolveExit, rejectExit) => {
      this.child.once('error', rejectExit);
      this.child.once('close', (code, signal) => {
        this.done = true;
        resolveExit({ code, signal, stdout: this.stdoutText, stderr: this.stderrText });
      });
    });
  }

  get running(): boolean {
    return !this.done;
  }

  get output(): string {
    return `--- stdout ---\n${this.stdoutText}\n--- stderr ---\n${this.stderrText}`;
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** The exit, or a rejection (and SIGKILL) when it takes longer than `timeoutMs`. */
  async exitWithin(timeoutMs: number): Promise<Exit> {
    const abort = new AbortController();
    const timer = delay(timeoutMs, 'timeout' as const, { signal: abort.signal }).catch(
      () => 'aborted' as const,
    );
    const result = await Promise.race([this.exited, timer]).finally(() => abort.abort());
    if (typeof result === 'string') {
      this.child.kill('SIGKILL');
      await this.exited;
      throw new Error(`The process did not exit within ${timeoutMs} ms\n${this.output}`);
    }
    return result;
  }

  /** For afterEach: make sure nothing outlives its test. */
  async kill(): Promise<void> {
    if (this.running) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }

  /** Resolves once stdout matches `pattern`; rejects if the process exits first or `timeoutMs` passes. */
  waitForOutput(pattern: RegExp, timeoutMs = 15_000): Promise<void> {
    return new Promise((resolveWait, rejectWait) => {
      const check = () => {
        if (pattern.test(this.stdoutText)) {
          settle();
          resolveWait();
        }
      };
      const onExit = () => {
        settle();
        rejectWait(new Error(`The process exited before printing ${pattern}\n${this.output}`));
      };
      const timer = setTimeout(() => {
        settle();
        rejectWait(new Error(`No ${pattern} in the output within ${timeoutMs} ms\n${this.output}`));
      }, timeoutMs);
      const settle = () => {
        clearTimeout(timer);
        this.child.stdout.off('data', check);
        this.child.off('close', onExit);
      };
      this.child.stdout.on('data', check);
      this.child.once('close', onExit);
      check();
    });
  }

  /**
   * Polls `url` until `accept` says yes, at most `timeoutMs`; fails early, with the output, if the process
   * exits first.
   */
  async waitForHttp(
    url: string,
    accept: (response: PlainResponse) => boolean,
    { timeoutMs = 15_000, intervalMs = 100 } = {},
  ): Promise<PlainResponse> {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer yet';
    while (Date.now() < deadline) {
      if (!this.running) {
        throw new Error(`The process exited while waiting for ${url}\n${this.output}`);
      }
      const response = await httpGet(url).catch((error: Error) => error);
      if (!(response instanceof Error) && accept(response)) {
        return response;
      }
      last = response instanceof Error ? response.message : `${response.status} ${response.body}`;
      await Promise.race([delay(intervalMs), this.exited]);
    }
    throw new Error(
      `${url} did not answer as expected within ${timeoutMs} ms (last: ${last})\n${this.output}`,
    );
  }
}
