import {
  Injectable,
  Logger,
  Optional,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { EventEmitter2, EventEmitterReadinessWatcher } from '@nestjs/event-emitter';
import { Clock } from '../clock';
import type { Lease } from './lease';
import { LockKeys } from './lock-keys';
import { LeaderEvents, type LeadershipChange } from './leader.events';
import { LockProvider } from './lock-provider';
import { LocksOptions, type LeaderOptions } from './locks.options';

/**
 * Cluster-wide leader election for singleton jobs: the leader holds the `leader` lock and renews it on every
 * heartbeat; the others try to take it on theirs. A crashed leader's lease runs out and another instance takes
 * over within one lease plus one heartbeat, with a higher epoch (the lock's fencing token).
 */
@Injectable()
export class LeaderService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(LeaderService.name);
  private readonly settings: LeaderOptions;
  private readonly instanceId: string;
  private lease: Lease | null = null;
  private validUntil = 0;
  private timer?: NodeJS.Timeout;
  private beating?: Promise<void>;
  private observedBusy = false;
  private starting?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly locks: LockProvider,
    private readonly clock: Clock,
    private readonly events: EventEmitter2,
    options: LocksOptions,
    @Optional() private readonly listenersReady?: EventEmitterReadinessWatcher,
  ) {
    this.settings = options.leader;
    this.instanceId = options.instanceId;
  }

  onApplicationBootstrap(): void {
    this.start();
  }

  /**
   * Starts the heartbeat once `@OnEvent` listeners are registered, so the jobs that run when leadership is won
   * hear the first `leader.elected`.
   */
  start(): void {
    if (this.timer || this.starting) {
      return;
    }
    this.stopped = false;
    this.starting = (this.listenersReady?.waitUntilReady() ?? Promise.resolve()).then(() => {
      this.starting = undefined;
      if (this.stopped) {
        return;
      }
      void this.heartbeat();
      this.timer = setInterval(() => void this.heartbeat(), this.settings.heartbeatMs);
      this.timer.unref();
    });
  }

  /** True while this instance holds a lease that has not run out by its own reckoning. */
  isLeader(): boolean {
    return this.lease !== null && this.clock.now() < this.validUntil;
  }

  /** The fencing token of the current leadership; increases at every takeover. 0 when not leading. */
  epoch(): number {
    return this.isLeader() ? this.lease!.token : 0;
  }

  /** One heartbeat: renew the lease when leading, otherwise try to take it. Overlapping beats are skipped. */
  heartbeat(): Promise<void> {
    this.beating ??= this.beat().finally(() => {
      this.beating = undefined;
    });
    return this.beating;
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  /** Stops the heartbeat and gives leadership up at once, so another instance need not wait for the lease. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.starting;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.beating;
    const lease = this.lease;
    if (lease) {
      this.lease = null;
      await lease.release().catch(() => undefined);
      this.logger.log(`Leader lock released by ${this.instanceId} (epoch ${lease.token})`);
    }
  }

  private async beat(): Promise<void> {
    const attemptedAt = this.clock.now();
    if (this.lease) {
      const renewed = await this.lease.extend(this.settings.leaseMs).catch(() => false);
      if (renewed) {
        this.validUntil = attemptedAt + this.settings.leaseMs;
        return;
      }
      const lost = this.lease;
      this.lease = null;
      this.logger.warn(`Leader lock lost by ${this.instanceId} (epoch ${lost.token})`);
      this.events.emit(LeaderEvents.lost, {
        instanceId: this.instanceId,
        epoch: lost.token,
      } satisfies LeadershipChange);
      return;
    }
    const lease = await this.locks.tryLock(LockKeys.leader(), this.settings.leaseMs).catch((error: Error) => {
      this.logger.warn(`Leader lock attempt failed: ${error.message}`);
      return null;
    });
    if (!lease) {
      if (!this.observedBusy) {
        this.logger.log(`Leader lock held by another instance; ${this.instanceId} stands by`);
        this.observedBusy = true;
      }
      return;
    }
    this.lease = lease;
    this.validUntil = attemptedAt + this.settings.leaseMs;
    this.observedBusy = false;
    this.logger.log(
      `Leader lock acquired by ${this.instanceId} (epoch ${lease.token}, ${this.locks.backend} backend)`,
    );
    this.events.emit(LeaderEvents.elected, {
      instanceId: this.instanceId,
      epoch: lease.token,
    } satisfies LeadershipChange);
  }
}
