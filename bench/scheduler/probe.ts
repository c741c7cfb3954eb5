import type { INestApplication } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { DataSource } from 'typeorm';
import { RedisConnection } from '../../libs/redis';
import { DonationAlertsScheduler, type PollResult } from '../../src/scheduler/donation-alerts-scheduler';
import { SchedulerMetrics } from '../../src/scheduler/scheduler.metrics';

export interface LagSample {
  /** When the streamer was claimed, ms after the run started. */
  atMs: number;
  /** How late the claim was against the streamer's due time (exactly what da_schedule_lag_seconds observes). */
  lagMs: number;
}

export interface TickSample {
  atMs: number;
  claimed: number;
  /** From the tick's start until its last poll finished. */
  durationMs: number;
}

type AnyFunction = (...args: unknown[]) => unknown;

interface PgPoolLike {
  on(event: 'acquire', listener: (client: { query: AnyFunction }) => void): void;
}

/**
 * Watches one app instance from the inside without changing what it does, by wrapping methods on the live
 * objects (never the classes):
 * - the `da_schedule_lag_seconds` histogram's `observe`, so every lag value the scheduler computes is kept
 *   exactly rather than bucketed;
 * - the scheduler's `tick` and `pollOne` (the scheduler calls both through `this`), for outcomes, durations
 *   and how many polls run at once;
 * - the app's ioredis client's `sendCommand`, for Redis round trips made by this instance (a script is one);
 * - `query` of each PostgreSQL client the instance's pool hands out, for SQL statements sent.
 */
export class SchedulerProbe {
  readonly lags: LagSample[] = [];
  readonly ticks: TickSample[] = [];
  readonly pollDurationsMs: number[] = [];
  /** ms after the start at which each poll with status `polled` finished. */
  readonly completedAtMs: number[] = [];
  readonly outcomes: Record<PollResult['status'] | 'threw', number> = {
    polled: 0,
    deferred: 0,
    failed: 0,
    removed: 0,
    threw: 0,
  };
  redisCalls = 0;
  /** SQL statements this instance sent to PostgreSQL (BEGIN and COMMIT included). */
  dbQueries = 0;
  inFlight = 0;
  maxInFlight = 0;
  /** Called whenever a poll ends (used by the `refill` tick driver). */
  onPollDone?: () => void;
  private startedAt = 0;
  private recording = false;

  private constructor() {}

  static attach(app: INestApplication): SchedulerProbe {
    const probe = new SchedulerProbe();
    const histogram = app.get(SchedulerMetrics).scheduleLag as unknown as { observe: AnyFunction };
    const observe = histogram.observe.bind(histogram);
    histogram.observe = (...args: unknown[]) => {
      const seconds = args.find((arg): arg is number => typeof arg === 'number');
      if (probe.recording && seconds !== undefined) {
        probe.lags.push({ atMs: probe.elapsed(), lagMs: seconds * 1000 });
      }
      return observe(...args);
    };

    const scheduler = app.get(DonationAlertsScheduler);
    const tick = scheduler.tick.bind(scheduler);
    scheduler.tick = async () => {
      const started = performance.now();
      const atMs = probe.elapsed();
      const results = await tick();
      if (probe.recording && results.length > 0) {
        probe.ticks.push({ atMs, claimed: results.length, durationMs: performance.now() - started });
      }
      return results;
    };
    const pollOne = scheduler.pollOne.bind(scheduler);
    scheduler.pollOne = async (streamerId: string) => {
      const started = performance.now();
      probe.inFlight += 1;
      probe.maxInFlight = Math.max(probe.maxInFlight, probe.inFlight);
      try {
        const result = await pollOne(streamerId);
        if (probe.recording) {
          probe.outcomes[result.status] += 1;
          if (result.status === 'polled') {
            probe.pollDurationsMs.push(performance.now() - started);
            probe.completedAtMs.push(probe.elapsed());
          }
        }
        return result;
      } catch (error) {
        if (probe.recording) {
          probe.outcomes.threw += 1;
        }
        throw error;
      } finally {
        probe.inFlight -= 1;
        probe.onPollDone?.();
      }
    };

    const client = app.get(RedisConnection).client;
    if (!client) {
      throw new Error('The benchmarked instance runs without Redis');
    }
    const sendCommand = client.sendCommand.bind(client) as AnyFunction;
    (client as unknown as { sendCommand: AnyFunction }).sendCommand = (...args: unknown[]) => {
      if (probe.recording) {
        probe.redisCalls += 1;
      }
      return sendCommand(...args);
    };

    // TypeORM's PostgreSQL driver runs every statement through a client checked out of its pg pool.
    const pool = (app.get(DataSource).driver as unknown as { master?: PgPoolLike }).master;
    if (!pool?.on) {
      throw new Error('The benchmarked instance does not use the PostgreSQL driver');
    }
    const counted = new WeakSet<object>();
    pool.on('acquire', (client: { query: AnyFunction }) => {
      if (counted.has(client)) {
        return;
      }
      counted.add(client);
      const query = client.query.bind(client);
      client.query = (...args: unknown[]) => {
        if (probe.recording) {
          probe.dbQueries += 1;
        }
        return query(...args);
      };
    });
    return probe;
  }

  start(): void {
    this.startedAt = performance.now();
    this.recording = true;
  }

  stop(): void {
    this.recording = false;
  }

  elapsed(): number {
    return performance.now() - this.startedAt;
  }
}
