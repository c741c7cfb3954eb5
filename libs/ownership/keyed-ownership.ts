import { Logger } from '@nestjs/common';
import type { Clock } from '../clock';
import { LockKeys, type LockProvider } from '../locks';
import type { RedisConnection } from '../redis';
import { KeyStateRecorder } from './key-state-recorder';
import {
  fairShare,
  freeKeys,
  keysToShed,
  othersShort,
  planClaims,
  validateOwnershipTiming,
  type ClusterView,
} from './ownership.policy';
import { OwnedKey } from './owned-key';
import { MemoryOwnershipStore, type OwnershipStore } from './ownership-store';
import {
  OwnershipStatus,
  type KeyState,
  type OwnershipOptions,
  type WatchdogPass,
  type WorkerFactory,
} from './ownership.types';
import { RedisOwnershipStore } from './redis-ownership-store';

/**
 * Keyed workers that exactly one live instance runs: each key is a lease (`LockKeys.owned(kind, key)`) renewed
 * every `renewMs`, and its worker runs only while the lease is valid by this instance's clock. Instances claim
 * free keys up to their fair share. Ownership is sticky: an instance gives up no healthy key while it holds no
 * more than its fair share plus the slack; above that (the first instance of a cluster starting together
 * took everything) it hands keys back, newest first, down to the even share, released at once for the others;
 * it gives its slack back the same way while another live instance is short and no key is free for it.
 * Without Redis the store is in memory and this instance is the whole cluster, through the same code.
 */
export class KeyedOwnership {
  private readonly logger: Logger;
  private readonly settings: Required<OwnershipOptions>;
  private readonly store: OwnershipStore;
  private readonly recorder: KeyStateRecorder;
  private readonly keys = new Map<string, OwnedKey>();
  private wanted?: () => Promise<string[]>;
  private factory?: WorkerFactory;
  private timer?: NodeJS.Timeout;
  private beating?: Promise<void>;
  private registered?: Promise<void>;
  private passing?: Promise<WatchdogPass>;
  private freeLastPass = new Set<string>();
  private stopped = false;

  constructor(
    options: OwnershipOptions,
    private readonly locks: LockProvider,
    redis: RedisConnection,
    private readonly clock: Clock,
  ) {
    this.settings = { slack: 1, abortMarginMs: options.renewMs / 2, ...options };
    validateOwnershipTiming(this.settings.renewMs, this.settings.leaseMs, this.settings.abortMarginMs);
    this.logger = new Logger(`${KeyedOwnership.name}:${options.kind}`);
    this.store = redis.client
      ? new RedisOwnershipStore(redis, options.kind, options.leaseMs)
      : new MemoryOwnershipStore();
    this.recorder = new KeyStateRecorder(this.store, options.instanceId, clock, this.logger);
  }

  /** Registers the instance (heartbeat) and remembers what keys are wanted and how to run one; claims nothing until watchdog(). */
  start(wanted: () => Promise<string[]>, factory: WorkerFactory): void {
    if (this.timer) {
      return;
    }
    this.wanted = wanted;
    this.factory = factory;
    this.stopped = false;
    this.registered = this.heartbeat();
    this.timer = setInterval(() => this.renewAll(), this.settings.renewMs);
    this.timer.unref();
  }

  /** One pass: heartbeat; stop+release workers whose key is no longer wanted; restart local workers that finished; claim unowned keys and keys whose owner's lease ran out, up to the fair share; reconcile local state with the shared state. Overlapping calls share one pass. */
  watchdog(): Promise<WatchdogPass> {
    this.passing ??= this.pass().finally(() => {
      this.passing = undefined;
    });
    return this.passing;
  }

  /** Records a worker's status in the shared state; ignored (returns false) unless this instance still owns the key with that epoch (fenced). */
  async report(
    key: string,
    epoch: number,
    status: string,
    lastError: string | null = null,
  ): Promise<boolean> {
    const owned = this.keys.get(key);
    if (!owned || owned.epoch !== epoch || !owned.isOwner()) {
      return false;
    }
    return this.recorder.held(owned, status, lastError);
  }

  /** Shared state of every key some instance owns or reported, readable from any instance. */
  async states(): Promise<KeyState[]> {
    return (await this.store.all()).sort((a, b) => a.key.localeCompare(b.key));
  }

  /** Shared state of one key, or null when nobody owns or reported it. */
  state(key: string): Promise<KeyState | null> {
    return this.store.one(key);
  }

  /** Keys this instance runs now. */
  owned(): string[] {
    return [...this.keys.values()].filter((owned) => owned.isOwner()).map((owned) => owned.key);
  }

  /** Instances with a live heartbeat (this one included). */
  liveInstances(): Promise<string[]> {
    return this.store.liveInstances(this.clock.now());
  }

  /** Graceful: stop every local worker, release its lease (others can claim at once), drop the heartbeat. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.passing?.catch(() => undefined);
    // The renewal timer keeps running until every worker has stopped, so no lease runs out mid-stop.
    await Promise.all([...this.keys.values()].map((owned) => this.release(owned, 'shutdown', false)));
    clearInterval(this.timer);
    this.timer = undefined;
    await this.beating;
    await this.store.leave(this.settings.instanceId).catch((error: Error) => {
      this.logger.warn(`Could not remove the heartbeat of ${this.settings.instanceId}: ${error.message}`);
    });
  }

  /** For tests: what a crash looks like to the cluster. Timers stop and workers die; leases and the heartbeat are left to run out. */
  crash(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    for (const owned of this.keys.values()) {
      owned.abandon();
    }
    this.keys.clear();
  }

  private renewAll(): void {
    void this.heartbeat();
    for (const owned of this.keys.values()) {
      owned.renew();
    }
  }

  private heartbeat(): Promise<void> {
    this.beating ??= this.store
      .heartbeat(this.settings.instanceId, this.clock.now() + this.settings.leaseMs)
      .catch((error: Error) => this.logger.warn(`Heartbeat failed: ${error.message}`))
      .finally(() => {
        this.beating = undefined;
      });
    return this.beating;
  }

  private async pass(): Promise<WatchdogPass> {
    const result: WatchdogPass = { claimed: 0, released: 0, restarted: 0, shed: 0 };
    if (!this.wanted || this.stopped) {
      return result;
    }
    await this.registered;
    await this.heartbeat();
    const wanted = new Set(await this.wanted());
    const unwanted = [...this.keys.values()].filter((owned) => !wanted.has(owned.key));
    await Promise.all(unwanted.map((owned) => this.release(owned, 'no longer wanted', true)));
    result.released = unwanted.length;
    for (const owned of [...this.keys.values()]) {
      if (!owned.running && owned.isOwner()) {
        await this.recorder.held(owned, OwnershipStatus.starting, owned.lastError);
        await this.startWorker(owned);
        result.restarted += 1;
      }
    }
    let live: Set<string>;
    let states: KeyState[];
    try {
      live = new Set(await this.liveInstances());
      states = await this.store.all();
    } catch (error) {
      this.logger.warn(`Shared state unreadable, claiming nothing this pass: ${(error as Error).message}`);
      return result;
    }
    live.add(this.settings.instanceId);
    const held = new Map([...this.keys.values()].map((owned) => [owned.key, owned.epoch]));
    const view: ClusterView = { self: this.settings.instanceId, wanted, live, states, held };
    await this.recorder.reconcile(view, this.keys);
    result.shed = await this.shedAboveShare(view);
    result.claimed = await this.claimFree(view);
    return result;
  }

  private async shedAboveShare(view: ClusterView): Promise<number> {
    const { wanted, live } = view;
    const short = othersShort(view, this.settings.slack);
    const count = keysToShed(this.keys.size, wanted.size, live.size, this.settings.slack, short);
    if (count === 0) {
      return 0;
    }
    const newestFirst = [...this.keys.values()].sort((a, b) => b.since - a.since).slice(0, count);
    this.logger.log(
      `${this.settings.instanceId} hands back ${count} of ${this.keys.size} keys (fair share ${fairShare(wanted.size, live.size, 0)} over ${live.size} live instances${short ? ', another one is short' : ''})`,
    );
    await Promise.all(newestFirst.map((owned) => this.release(owned, 'above fair share', false)));
    return count;
  }

  private async claimFree(view: ClusterView): Promise<number> {
    const free = freeKeys(view);
    const evenShare = fairShare(view.wanted.size, view.live.size, 0);
    const plan = planClaims(free, this.freeLastPass);
    const refused = new Set<string>();
    let claimed = 0;
    try {
      for (const [keys, limit] of [
        [plan.first, evenShare],
        [plan.thenWithSlack, evenShare + this.settings.slack],
      ] as const) {
        for (const key of keys.filter((candidate) => !refused.has(candidate))) {
          if (this.stopped || this.keys.size >= limit) {
            break;
          }
          if (await this.claim(key)) {
            claimed += 1;
          } else {
            refused.add(key);
          }
        }
      }
    } catch (error) {
      this.logger.warn(`Claiming stopped: lock backend failed: ${(error as Error).message}`);
    }
    this.freeLastPass = new Set(free.filter((key) => !this.keys.has(key)));
    return claimed;
  }

  private async claim(key: string): Promise<boolean> {
    const attemptedAt = this.clock.now();
    const lease = await this.locks.tryLock(LockKeys.owned(this.settings.kind, key), this.settings.leaseMs);
    if (!lease) {
      return false;
    }
    const owned = new OwnedKey(key, lease, attemptedAt, {
      leaseMs: this.settings.leaseMs,
      abortMarginMs: this.settings.abortMarginMs,
      clock: this.clock,
      onLost: (lost, reason) => this.onLost(lost, reason),
      onRunEnded: (ended, error) => void this.recorder.runEnded(ended, error),
    });
    this.keys.set(key, owned);
    this.logger.log(`${this.settings.instanceId} owns ${key} (epoch ${owned.epoch})`);
    await this.recorder.held(owned, OwnershipStatus.starting, null);
    await this.startWorker(owned);
    return true;
  }

  private async startWorker(owned: OwnedKey): Promise<void> {
    const error = await owned.startRun(this.factory!);
    if (error) {
      this.logger.warn(`Worker for ${owned.key} failed to start: ${error.message}`);
      await this.recorder.held(owned, OwnershipStatus.failedToStart, error.message);
    } else if (owned.status === OwnershipStatus.starting && owned.running) {
      await this.recorder.held(owned, OwnershipStatus.running, null);
    }
  }

  private onLost(owned: OwnedKey, reason: string): void {
    if (this.keys.get(owned.key) === owned) {
      this.keys.delete(owned.key);
    }
    this.logger.warn(`${this.settings.instanceId} lost ${owned.key} (epoch ${owned.epoch}): ${reason}`);
    void this.recorder.released(owned.key, owned.epoch, OwnershipStatus.lost, reason);
  }

  private async release(owned: OwnedKey, reason: string, forget: boolean): Promise<void> {
    await owned.release(reason);
    if (this.keys.get(owned.key) === owned) {
      this.keys.delete(owned.key);
    }
    if (forget) {
      await this.recorder.forget(owned.key, owned.epoch);
    } else {
      await this.recorder.released(owned.key, owned.epoch, OwnershipStatus.released, null);
    }
  }
}
