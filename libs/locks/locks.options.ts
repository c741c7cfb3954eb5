/** What the locks library needs from the app that wires it (`LocksModule.forRoot`). */
export abstract class LocksOptions {
  /** This instance's name: the holder recorded by database locks and the leader. */
  abstract readonly instanceId: string;
  abstract readonly leader: LeaderOptions;
}

export interface LeaderOptions {
  /** Lease renewal / takeover attempt period. */
  heartbeatMs: number;
  /** A leader that stops renewing is replaced after this. */
  leaseMs: number;
}
