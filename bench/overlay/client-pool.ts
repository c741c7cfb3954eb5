import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { ClientTarget, FromClients, ToClients } from './protocol';

type Reply<T extends FromClients['type']> = Extract<FromClients, { type: T }>;

/** One forked client process and the replies it has sent that nobody has taken yet. */
class ClientProcess {
  private readonly inbox: FromClients[] = [];
  private readonly waiters = new Set<() => void>();
  private exited = false;

  constructor(readonly child: ChildProcess) {
    child.on('message', (message: FromClients) => {
      this.inbox.push(message);
      this.waiters.forEach((waiter) => waiter());
    });
    child.once('exit', () => {
      this.exited = true;
      this.waiters.forEach((waiter) => waiter());
    });
  }

  send(message: ToClients): void {
    this.child.send(message);
  }

  /** The first unread reply of `type` (and matching `accept`), waiting up to `timeoutMs`. */
  take<T extends FromClients['type']>(
    type: T,
    timeoutMs: number,
    accept: (reply: Reply<T>) => boolean = () => true,
  ): Promise<Reply<T>> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const index = this.inbox.findIndex((message) => message.type === type && accept(message as Reply<T>));
        if (index >= 0) {
          done();
          resolve(this.inbox.splice(index, 1)[0] as Reply<T>);
        } else if (this.exited) {
          done();
          reject(new Error(`client process ${this.child.pid} exited before "${type}"`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no "${type}" from client process ${this.child.pid} within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }
}

export interface ConnectResult {
  opened: number;
  failed: number;
  ms: number;
  error?: string;
}

export interface RoundTimes {
  /** Receipt time of every client that was to get the event (monotonic ms); null when it did not arrive. */
  times: Array<number | null>;
  receivedAt: number | null;
  stray: number;
  ended: number;
}

/** The clients of one side of one scenario, spread round robin over `processes` forked `clients.js` processes. */
export class ClientPool {
  private constructor(private readonly processes: ClientProcess[]) {}

  static start(processes: number): ClientPool {
    const script = join(__dirname, 'clients.js');
    return new ClientPool(
      Array.from(
        { length: processes },
        () => new ClientProcess(fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })),
      ),
    );
  }

  async connect(
    host: string,
    port: number,
    targets: ClientTarget[],
    concurrency: number,
  ): Promise<ConnectResult> {
    const started = performance.now();
    const shares = this.processes.map((_, index) =>
      targets.filter((_target, position) => position % this.processes.length === index),
    );
    this.processes.forEach((process, index) =>
      process.send({ type: 'connect', host, port, targets: shares[index], concurrency }),
    );
    const replies = await Promise.all(this.processes.map((process) => process.take('connected', 300_000)));
    return {
      opened: replies.reduce((total, reply) => total + reply.opened, 0),
      failed: replies.reduce((total, reply) => total + reply.failed, 0),
      ms: performance.now() - started,
      error: replies.find((reply) => reply.error)?.error,
    };
  }

  /** Tells every process which event to time next; resolves with the number of clients expecting it. */
  async expect(round: number, group: number): Promise<number> {
    this.processes.forEach((process) => process.send({ type: 'expect', round, group }));
    const armed = await Promise.all(
      this.processes.map((process) => process.take('armed', 10_000, (reply) => reply.round === round)),
    );
    return armed.reduce((total, reply) => total + reply.clients, 0);
  }

  /** Resolves once every expecting client has the event; false if that takes longer than `timeoutMs`. */
  async delivered(round: number, timeoutMs: number): Promise<boolean> {
    const results = await Promise.all(
      this.processes.map((process) =>
        process
          .take('delivered', timeoutMs, (reply) => reply.round === round)
          .then(
            () => true,
            () => false,
          ),
      ),
    );
    return results.every(Boolean);
  }

  async collect(): Promise<RoundTimes> {
    this.processes.forEach((process) => process.send({ type: 'collect' }));
    const replies = await Promise.all(this.processes.map((process) => process.take('times', 30_000)));
    return {
      times: replies.flatMap((reply) => reply.times),
      receivedAt: replies.find((reply) => reply.receivedAt !== null)?.receivedAt ?? null,
      stray: replies.reduce((total, reply) => total + reply.stray, 0),
      ended: replies.reduce((total, reply) => total + reply.ended, 0),
    };
  }

  /** Process ids, to read their CPU. */
  pids(): number[] {
    return this.processes.map((process) => process.child.pid!);
  }

  async close(): Promise<void> {
    await Promise.all(
      this.processes.map(async (process) => {
        if (process.child.exitCode !== null || !process.child.connected) {
          return;
        }
        process.send({ type: 'close' });
        await process.take('closed', 30_000).catch(() => process.child.kill('SIGKILL'));
      }),
    );
  }
}
