/** Messages between the benchmark (parent) and its client processes (`clients.ts`), over the fork IPC channel. */

/** One SSE client to open: the request path and the streamer (group) it watches. */
export interface ClientTarget {
  path: string;
  group: number;
}

export type ToClients =
  | { type: 'connect'; host: string; port: number; targets: ClientTarget[]; concurrency: number }
  /** From now on, the next event frame on each client of `group` is the one to time. */
  | { type: 'expect'; round: number; group: number }
  | { type: 'collect' }
  | { type: 'close' };

export type FromClients =
  | { type: 'connected'; opened: number; failed: number; ms: number; error?: string }
  | { type: 'armed'; round: number; clients: number }
  /** Every client of the expected group has received its event. */
  | { type: 'delivered'; round: number }
  | {
      type: 'times';
      round: number;
      /** Receipt time of each expected client, ms on the machine-wide monotonic clock; null: not received. */
      times: Array<number | null>;
      /** `data.receivedAt` of the event, parsed on one client (epoch ms), when it arrived. */
      receivedAt: number | null;
      /** Event frames that arrived on clients that were not expecting one (must stay 0). */
      stray: number;
      /** Streams the server ended while they were open. */
      ended: number;
    }
  | { type: 'closed' };

/**
 * The machine-wide monotonic clock in ms (CLOCK_MONOTONIC on Linux: the same in every process), so receipt times
 * taken in the client processes compare with the benchmark's t0.
 */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
