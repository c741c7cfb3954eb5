export interface OwnershipOptions {
  /** 'realtime', 'bots': namespaces lock keys and Redis keys. */
  kind: string;
  instanceId: string;
  /** Every lease (and the heartbeat) is renewed this often. */
  renewMs: number;
  /** Lease length, at least 2 × renewMs; a crashed owner's keys are free again after this. */
  leaseMs: number;
  /** Keys an instance may hold above its fair share; default 1. */
  slack?: number;
  /**
   * A worker is aborted this long before its lease's local validity runs out when no renewal has pushed it
   * further, so it has stopped before another instance can take the key. Default renewMs / 2; must leave room
   * for one renewal (less than leaseMs - renewMs).
   */
  abortMarginMs?: number;
}

export interface OwnedWork {
  key: string;
  /** The lease's fencing token: pass it to every effect that a paused ex-owner could repeat. */
  epoch: number;
  /**
   * Aborted the moment this instance stops owning the key (renewal failed or its local validity ran out,
   * released, key no longer wanted, shutdown), and when this run of the worker ended on its own.
   */
  signal: AbortSignal;
  /** The lease is still valid by this instance's own clock. */
  isOwner(): boolean;
}

export interface KeyWorker {
  /** Resolves when fully stopped. */
  stop(): Promise<void>;
  /** Settles when the worker ends on its own (crash or exit); the next watchdog pass restarts it. */
  readonly finished: Promise<void>;
}

export type WorkerFactory = (work: OwnedWork) => KeyWorker | Promise<KeyWorker>;

export interface KeyState {
  key: string;
  owner: string | null;
  since: number | null;
  status: string;
  lastError: string | null;
  epoch: number | null;
  updatedAt: number | null;
  /** Set when the key was released or lost: the instance that ran it last (restarts with a stable INSTANCE_ID claim theirs back first). */
  previousOwner?: string | null;
}

/** What one watchdog pass did. */
export interface WatchdogPass {
  claimed: number;
  released: number;
  restarted: number;
  /** Keys handed back because this instance held more than its fair share plus the slack. */
  shed: number;
}

/** The statuses the ownership itself records; workers report their own through `report()`. */
export const OwnershipStatus = {
  starting: 'starting',
  running: 'running',
  exited: 'exited',
  crashed: 'crashed',
  failedToStart: 'failed-to-start',
  lost: 'lost',
  released: 'released',
} as const;
