import { SystemClock } from '../../libs/clock';
import { KeyedOwnership, type OwnershipOptions, type WorkerFactory } from '../../libs/ownership';
import { RedisConnection } from '../../libs/redis';
import { createLockBackend, type LockBackend, type LockInstance } from './lock-backends';
import { clearRedisPrefix, openRedis, testRedisConfig } from './redis';

export const FAST_OWNERSHIP = { renewMs: 100, leaseMs: 400 } as const;
export const OWNERSHIP_KIND = 'test';

/**
 * Where the cluster keeps its locks and shared state: Redis for both; PostgreSQL leases with the state in Redis;
 * SQLite leases with no Redis at all (single-instance mode, state in memory).
 */
export type OwnershipBackend = 'redis' | 'postgres' | 'sqlite';

/** One run of a worker, as the worker itself saw it. */
export interface WorkerRun {
  key: string;
  instanceId: string;
  epoch: number;
  startedAt: number;
  abortedAt?: number;
  /** The abort reason's message: why the instance stopped owning the key. */
  abortReason?: string;
  endedAt?: number;
  /** Settles when the run ends: aborted, stopped or finished. */
  ended: Promise<void>;
  /** Ends the run on its own, as a crash (with an error) or an exit would. */
  finish(error?: Error): void;
}

/** Every worker run of a test, and a count per key of the runs alive at once (it must never exceed one). */
export class WorkerLog {
  readonly runs: WorkerRun[] = [];
  readonly overlaps: string[] = [];
  private readonly aliveCount = new Map<string, number>();
  private readonly listeners = new Set<(run: WorkerRun) => void>();

  factory(instanceId: string): WorkerFactory {
    return ({ key, epoch, signal }) => {
      const count = (this.aliveCount.get(key) ?? 0) + 1;
      this.aliveCount.set(key, count);
      if (count > 1) {
        this.overlaps.push(`${key}: ${instanceId} (epoch ${epoch}) started while another run was alive`);
      }
      let settle!: (error?: Error) => void;
      const finished = new Promise<void>((resolve, reject) => {
        settle = (error) => (error ? reject(error) : resolve());
      });
      let markEnded!: () => void;
      const end = (): void => {
        if (run.endedAt === undefined) {
          run.endedAt = Date.now();
          markEnded();
          this.aliveCount.set(key, this.aliveCount.get(key)! - 1);
        }
      };
      const run: WorkerRun = {
        key,
        instanceId,
        epoch,
        startedAt: Date.now(),
        ended: new Promise((resolve) => (markEnded = resolve)),
        finish: (error) => {
          end();
          settle(error);
        },
      };
      signal.addEventListener(
        'abort',
        () => {
          run.abortedAt = Date.now();
          run.abortReason = (signal.reason as Error).message;
          end();
        },
        { once: true },
      );
      this.runs.push(run);
      this.listeners.forEach((listener) => listener(run));
      return { stop: () => Promise.resolve(end()), finished };
    };
  }

  /** Runs of the key that have not ended. */
  alive(key: string): WorkerRun[] {
    return this.runs.filter((run) => run.key === key && run.endedAt === undefined);
  }

  /** Resolves with the next run that matches. */
  next(matches: (run: WorkerRun) => boolean): Promise<WorkerRun> {
    return new Promise((resolve) => {
      const listener = (run: WorkerRun): void => {
        if (matches(run)) {
          this.listeners.delete(listener);
          resolve(run);
        }
      };
      this.listeners.add(listener);
    });
  }
}

export interface Member {
  instanceId: string;
  ownership: KeyedOwnership;
  lock: LockInstance;
  redis: RedisConnection;
  gone: boolean;
}

/** Instances of the service sharing one backend, each with its own connections and its own KeyedOwnership. */
export class OwnershipCluster {
  wanted: string[] = [];
  readonly log = new WorkerLog();
  readonly members: Member[] = [];
  private readonly redisConfig = testRedisConfig();
  private ticker?: NodeJS.Timeout;

  private constructor(
    readonly backend: OwnershipBackend,
    private readonly locks: LockBackend,
  ) {}

  static async create(backend: OwnershipBackend): Promise<OwnershipCluster> {
    return new OwnershipCluster(backend, await createLockBackend(backend));
  }

  async join(options: Partial<OwnershipOptions> = {}): Promise<Member> {
    const lock = await this.locks.openInstance();
    const redis = lock.redis ?? (await this.stateConnection());
    const ownership = new KeyedOwnership(
      { kind: OWNERSHIP_KIND, instanceId: lock.instanceId, ...FAST_OWNERSHIP, ...options },
      lock.provider,
      redis,
      new SystemClock(),
    );
    const member: Member = { instanceId: lock.instanceId, ownership, lock, redis, gone: false };
    this.members.push(member);
    ownership.start(() => Promise.resolve([...this.wanted]), this.log.factory(lock.instanceId));
    return member;
  }

  /** The members still running. */
  get running(): Member[] {
    return this.members.filter((member) => !member.gone);
  }

  /** One watchdog pass on every running member at once. */
  async pass(): Promise<void> {
    await Promise.all(this.running.map(({ ownership }) => ownership.watchdog()));
  }

  /** Runs watchdog passes every renewMs in the background, as the app's job scheduler will. */
  startTicking(everyMs: number = FAST_OWNERSHIP.renewMs): void {
    this.ticker = setInterval(() => {
      for (const { ownership } of this.running) {
        ownership.watchdog().catch(() => undefined);
      }
    }, everyMs);
  }

  /** Key → the running members that own it. */
  owners(): Map<string, string[]> {
    const owners = new Map<string, string[]>();
    for (const member of this.running) {
      for (const key of member.ownership.owned()) {
        owners.set(key, [...(owners.get(key) ?? []), member.instanceId]);
      }
    }
    return owners;
  }

  /** Every wanted key is owned by exactly one running member. */
  settled(): boolean {
    const owners = this.owners();
    return owners.size === this.wanted.length && [...owners.values()].every((list) => list.length === 1);
  }

  async close(): Promise<void> {
    clearInterval(this.ticker);
    await Promise.all(this.running.map(({ ownership }) => ownership.stop()));
    await Promise.all(this.members.map(({ redis }) => redis.close()));
    await this.locks.close();
    await clearRedisPrefix(this.redisConfig.keyPrefix);
  }

  private stateConnection(): Promise<RedisConnection> {
    return this.backend === 'sqlite'
      ? RedisConnection.open({ ...this.redisConfig, url: undefined, required: false })
      : openRedis(this.redisConfig);
  }
}
