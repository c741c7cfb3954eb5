import type { Logger } from '@nestjs/common';
import type { Clock } from '../clock';
import type { OwnedKey } from './owned-key';
import type { OwnershipStore } from './ownership-store';
import { reconcile, type ClusterView } from './ownership.policy';
import { OwnershipStatus } from './ownership.types';

/**
 * This instance's writes to the shared key states, each fenced by the epoch of the lease it comes from. A write
 * that fails (Redis away) is logged and left for the next watchdog pass to repair through `reconcile`.
 */
export class KeyStateRecorder {
  constructor(
    private readonly store: OwnershipStore,
    private readonly self: string,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** Records (and remembers on the key) the status of a key this instance holds; false when refused or unwritable. */
  held(owned: OwnedKey, status: string, lastError: string | null): Promise<boolean> {
    owned.status = status;
    owned.lastError = lastError;
    const state = {
      key: owned.key,
      owner: this.self,
      since: owned.since,
      status,
      lastError,
      epoch: owned.epoch,
      updatedAt: this.clock.now(),
    };
    return this.store.write(state).catch((error: Error) => {
      this.logger.warn(`Could not record the state of ${owned.key}: ${error.message}`);
      return false;
    });
  }

  /** Records that the worker's run ended on its own; the next watchdog pass restarts it. */
  runEnded(owned: OwnedKey, error: Error | null): Promise<boolean> {
    return this.held(owned, error ? OwnershipStatus.crashed : OwnershipStatus.exited, error?.message ?? null);
  }

  /** Records that the lease of `epoch` no longer runs the key; refused once a newer owner recorded its own. */
  released(key: string, epoch: number, status: string, lastError: string | null): Promise<boolean> {
    const state = {
      key,
      owner: null,
      since: null,
      status,
      lastError,
      epoch,
      updatedAt: this.clock.now(),
      previousOwner: this.self,
    };
    return this.store.write(state).catch(() => false);
  }

  forget(key: string, epoch: number): Promise<boolean> {
    return this.store.remove(key, epoch).catch(() => false);
  }

  /** Brings the shared state in line with what this instance really holds, and forgets keys nobody runs or wants. */
  async reconcile(view: ClusterView, keys: ReadonlyMap<string, OwnedKey>): Promise<void> {
    const { rewrite, disown, forget } = reconcile(view);
    for (const owned of rewrite.map((key) => keys.get(key)!)) {
      await this.held(owned, owned.status, owned.lastError);
    }
    for (const state of disown) {
      await this.released(state.key, state.epoch ?? 0, OwnershipStatus.lost, state.lastError);
    }
    for (const state of forget) {
      await this.forget(state.key, state.epoch ?? 0);
    }
  }
}
