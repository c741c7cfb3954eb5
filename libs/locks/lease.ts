/**
 * A held lock. `token` is a fencing token: it strictly increases each time the key changes hands, so a
 * writer can pass it to the database and the database can refuse a holder whose lease has already expired.
 */
export interface Lease {
  readonly key: string;
  readonly token: number;
  /** Pushes the expiry to `ttlMs` from now. Resolves false when the lease was already lost. */
  extend(ttlMs: number): Promise<boolean>;
  /** Gives the lock up if this lease still holds it; a lease that was taken over leaves the new holder alone. */
  release(): Promise<void>;
}

export class LockUnavailableError extends Error {
  constructor(
    readonly key: string,
    waitedMs: number,
  ) {
    super(`Lock "${key}" is held by another holder (waited ${waitedMs} ms)`);
    this.name = 'LockUnavailableError';
  }
}
