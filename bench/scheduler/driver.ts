import type { INestApplication } from '@nestjs/common';
import { DonationAlertsScheduler } from '../../src/scheduler/donation-alerts-scheduler';
import { PollSchedule } from '../../src/scheduler/poll-schedule';
import type { SchedulerProbe } from './probe';

/**
 * Who calls `DonationAlertsScheduler.tick()`:
 * - `app`: the instance itself (ClusterJobsService, every SCHEDULER_TICK_MS, each tick awaited to the end of
 *   its slowest poll before the next may start) — the shipped behaviour, and the default;
 * - `detached` (what-if): the benchmark, every SCHEDULER_TICK_MS, without waiting for the polls a tick started:
 *   each tick tops up the free slots;
 * - `refill` (what-if): the benchmark, as `detached`, and also as soon as any poll finishes.
 * The what-ifs measure what the same scheduler, budget, lock and poller code would do if the tick did not wait
 * for its polls; they are not what the app ships.
 */
export type TickDriver = 'app' | 'detached' | 'refill';
export const TICK_DRIVERS: TickDriver[] = ['app', 'detached', 'refill'];

export interface RunningDriver {
  stop(): Promise<void>;
}

/**
 * Drives ticks from the benchmark (SCHEDULER_ENABLED=false, so the app's own tick is not registered). Claims
 * never overlap: a tick's claim phase (ZCARD, then the claim script) is over once `claimDue` has resolved and
 * the scheduler has started the claimed polls, which it does in the same turn of the event loop.
 */
export function driveTicks(
  app: INestApplication,
  probe: SchedulerProbe,
  mode: Exclude<TickDriver, 'app'>,
  tickMs: number,
): RunningDriver {
  const scheduler = app.get(DonationAlertsScheduler);
  const schedule = app.get(PollSchedule);
  let claimed: (() => void) | undefined;
  const claimDue = schedule.claimDue.bind(schedule);
  schedule.claimDue = async (now, limit, holdMs) => {
    const result = await claimDue(now, limit, holdMs);
    setImmediate(() => claimed?.());
    return result;
  };
  const claimRound = () =>
    new Promise<void>((resolve) => {
      claimed = resolve;
      scheduler.tick().then(
        () => resolve(),
        (error: Error) => {
          console.error(`tick failed: ${error.message}`);
          resolve();
        },
      );
    });

  let stopped = false;
  let wake: (() => void) | undefined;
  if (mode === 'refill') {
    probe.onPollDone = () => wake?.();
  }
  const loop = (async () => {
    while (!stopped) {
      await claimRound();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, tickMs);
        wake = () => {
          clearTimeout(timer);
          setImmediate(resolve);
        };
      });
      wake = undefined;
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      wake?.();
      await loop;
      probe.onPollDone = undefined;
    },
  };
}
