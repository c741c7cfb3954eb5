import type { Clock } from '../clock';
import type { Lease } from '../locks';
import type { KeyWorker, OwnedWork, WorkerFactory } from './ownership.types';

export interface OwnedKeySettings {
  leaseMs: number;
  abortMarginMs: number;
  clock: Clock;
  /** Called once when the lease is lost (a renewal failed or its validity ran out); the worker is aborted. */
  onLost(owned: OwnedKey, reason: string): void;
  /** Called when the current run of the worker ended on its own; `error` when it crashed. */
  onRunEnded(owned: OwnedKey, error: Error | null): void;
}

interface Run {
  controller: AbortController;
  started: Promise<KeyWorker | null>;
}

/**
 * One key this instance holds: its lease, the lease's validity by the local clock, and the current run of its
 * worker. The worker is aborted before the validity runs out unless a renewal pushed it further, whatever the
 * renewal is doing: a renewal that hangs (a paused process, an unreachable lock backend) cannot keep a worker
 * alive that another instance may already have replaced.
 */
export class OwnedKey {
  readonly since: number;
  status = '';
  lastError: string | null = null;
  private validUntil: number;
  private deadline?: NodeJS.Timeout;
  private renewing = false;
  private run: Run | null = null;
  private releasing = false;
  private ended = false;

  constructor(
    readonly key: string,
    readonly lease: Lease,
    attemptedAt: number,
    private readonly settings: OwnedKeySettings,
  ) {
    this.since = settings.clock.now();
    this.validUntil = attemptedAt + settings.leaseMs;
    this.scheduleDeadline();
  }

  get epoch(): number {
    return this.lease.token;
  }

  /** A run of the worker is starting or running. */
  get running(): boolean {
    return this.run !== null;
  }

  isOwner(): boolean {
    return !this.ended && this.settings.clock.now() < this.validUntil;
  }

  /** Starts a run of the worker; resolves with the factory's error when it could not start. */
  async startRun(factory: WorkerFactory): Promise<Error | null> {
    if (this.ended || this.releasing || this.run) {
      return null;
    }
    const controller = new AbortController();
    const work: OwnedWork = {
      key: this.key,
      epoch: this.epoch,
      signal: controller.signal,
      isOwner: () => this.isOwner(),
    };
    let settle!: (worker: KeyWorker | null) => void;
    const run: Run = { controller, started: new Promise((resolve) => (settle = resolve)) };
    this.run = run;
    let worker: KeyWorker;
    try {
      worker = await factory(work);
    } catch (error) {
      settle(null);
      this.endRun(run, 'the worker failed to start');
      return error instanceof Error ? error : new Error(String(error));
    }
    settle(worker);
    if (this.run !== run) {
      // Ownership ended while the worker was starting: stopRun is waiting for this worker to stop it.
      return null;
    }
    worker.finished.then(
      () => this.runEnded(run, null),
      (error: unknown) => this.runEnded(run, error instanceof Error ? error : new Error(String(error))),
    );
    return null;
  }

  /** Renews the lease unless a renewal is still under way; a failed renewal loses the key. */
  renew(): void {
    if (this.ended || this.renewing) {
      return;
    }
    this.renewing = true;
    const attemptedAt = this.settings.clock.now();
    void this.lease
      .extend(this.settings.leaseMs)
      .catch(() => false)
      .then((renewed) => {
        this.renewing = false;
        if (this.ended) {
          return;
        }
        if (!renewed) {
          this.lose('lease renewal failed');
          return;
        }
        this.validUntil = Math.max(this.validUntil, attemptedAt + this.settings.leaseMs);
        this.scheduleDeadline();
      });
  }

  /** Graceful: aborts and stops the worker while the lease is still renewed, then gives the lease up. */
  async release(reason: string): Promise<void> {
    this.releasing = true;
    await this.stopRun(reason);
    const wasEnded = this.ended;
    this.end();
    if (!wasEnded) {
      await this.lease.release().catch(() => undefined);
    }
  }

  /** What a crash does: the worker is gone, the lease is left to run out. */
  abandon(): void {
    this.end();
    void this.stopRun('the instance crashed');
  }

  private lose(reason: string): void {
    if (this.ended) {
      return;
    }
    this.end();
    this.settings.onLost(this, reason);
    // Once the worker has stopped, frees the key at once if the backend still answers; a worker that never
    // stops or a release that hangs leaves the lease to run out.
    void this.stopRun(reason).then(() => this.lease.release().catch(() => undefined));
  }

  private end(): void {
    this.ended = true;
    clearTimeout(this.deadline);
  }

  private async stopRun(reason: string): Promise<void> {
    const run = this.run;
    if (!run) {
      return;
    }
    this.endRun(run, reason);
    const worker = await run.started;
    await worker?.stop().catch(() => undefined);
  }

  private endRun(run: Run, reason: string): void {
    if (this.run === run) {
      this.run = null;
    }
    run.controller.abort(new Error(`${this.key}: ${reason}`));
  }

  private runEnded(run: Run, error: Error | null): void {
    if (this.run !== run) {
      return;
    }
    this.endRun(run, 'the worker ended');
    this.settings.onRunEnded(this, error);
  }

  private scheduleDeadline(): void {
    clearTimeout(this.deadline);
    const abortAt = this.validUntil - this.settings.abortMarginMs;
    this.deadline = setTimeout(
      () => {
        if (this.settings.clock.now() >= abortAt) {
          this.lose('the lease was not renewed in time');
        } else {
          this.scheduleDeadline();
        }
      },
      Math.max(0, abortAt - this.settings.clock.now()),
    );
    this.deadline.unref();
  }
}
