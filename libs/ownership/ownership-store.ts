import type { KeyState } from './ownership.types';

/** A key's recorded state with the epoch that wrote it: every write is fenced by that epoch. */
export type FencedKeyState = KeyState & { epoch: number };

/**
 * Where the instances' heartbeats and the keys' shared states live: Redis when the cluster has it, memory in
 * single-instance mode (where this process is the only instance, so its own heartbeat is the whole cluster).
 */
export interface OwnershipStore {
  heartbeat(instanceId: string, expiresAt: number): Promise<void>;
  leave(instanceId: string): Promise<void>;
  /** Instances whose heartbeat has not expired at `now`; expired ones are pruned. */
  liveInstances(now: number): Promise<string[]>;
  /** Writes the state unless a newer epoch already wrote one; false when refused. */
  write(state: FencedKeyState): Promise<boolean>;
  /** Deletes the key's state unless a newer epoch owns it; false when refused. */
  remove(key: string, epoch: number): Promise<boolean>;
  all(): Promise<KeyState[]>;
  one(key: string): Promise<KeyState | null>;
}

export class MemoryOwnershipStore implements OwnershipStore {
  private readonly instances = new Map<string, number>();
  private readonly states = new Map<string, KeyState>();

  heartbeat(instanceId: string, expiresAt: number): Promise<void> {
    this.instances.set(instanceId, expiresAt);
    return Promise.resolve();
  }

  leave(instanceId: string): Promise<void> {
    this.instances.delete(instanceId);
    return Promise.resolve();
  }

  liveInstances(now: number): Promise<string[]> {
    for (const [instanceId, expiresAt] of this.instances) {
      if (expiresAt <= now) {
        this.instances.delete(instanceId);
      }
    }
    return Promise.resolve([...this.instances.keys()]);
  }

  write(state: FencedKeyState): Promise<boolean> {
    if (!this.accepts(state.key, state.epoch)) {
      return Promise.resolve(false);
    }
    this.states.set(state.key, { ...state });
    return Promise.resolve(true);
  }

  remove(key: string, epoch: number): Promise<boolean> {
    if (!this.accepts(key, epoch)) {
      return Promise.resolve(false);
    }
    this.states.delete(key);
    return Promise.resolve(true);
  }

  all(): Promise<KeyState[]> {
    return Promise.resolve([...this.states.values()].map((state) => ({ ...state })));
  }

  one(key: string): Promise<KeyState | null> {
    const state = this.states.get(key);
    return Promise.resolve(state ? { ...state } : null);
  }

  private accepts(key: string, epoch: number): boolean {
    return (this.states.get(key)?.epoch ?? -Infinity) <= epoch;
  }
}
