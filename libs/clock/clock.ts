import { Injectable } from '@nestjs/common';

/**
 * The source of time for every piece of logic that schedules, expires or backs off, so tests can drive it:
 * schedules, budgets, backoff, leases and their expiry, OAuth states, sessions, HTTP-date `Retry-After`, event
 * timestamps. Waits that sleep on real timers measure real time on purpose, because a manual clock does not move
 * while they sleep: `LockProvider.withLock`'s retry wait, the Redis overlay log's XREAD block deadline, the
 * Redis health check's timeout, the text-to-speech render timeout and the shutdown deadline.
 */
export abstract class Clock {
  abstract now(): number;
}

@Injectable()
export class SystemClock extends Clock {
  now(): number {
    return Date.now();
  }
}
