import { setTimeout as delay } from 'node:timers/promises';
import type { DonationAlertsCalls } from '../../test/fakes/fake-donationalerts';
import { round } from '../scheduler/stats';

export const WINDOW_MS = 60_000;

export const mb = () => process.memoryUsage().rss / 2 ** 20;
export const ms = (value: number) => round(value, 0);
export const log = (label: string, message: string) =>
  console.log(`[${new Date().toISOString().slice(11, 19)}] ${label}: ${message}`);

export function gc(): void {
  global.gc?.();
  global.gc?.();
}

/** DonationAlerts API requests per minute between two readings of the fake's counters, by endpoint. */
export function callDelta(before: DonationAlertsCalls, after: DonationAlertsCalls, minutes: number) {
  const perMinute = (key: keyof DonationAlertsCalls) => round((after[key] - before[key]) / minutes, 1);
  const donations = perMinute('donations');
  const userOauth = perMinute('userOauth');
  const centrifugeSubscribe = perMinute('centrifugeSubscribe');
  return {
    total: round(donations + userOauth + centrifugeSubscribe, 1),
    donations,
    userOauth,
    centrifugeSubscribe,
  };
}

/** DonationAlerts API requests between two readings of the fake's counters, by endpoint. */
export function callCount(before: DonationAlertsCalls, after: DonationAlertsCalls) {
  const count = (key: keyof DonationAlertsCalls) => after[key] - before[key];
  return {
    total: count('donations') + count('userOauth') + count('centrifugeSubscribe'),
    donations: count('donations'),
    userOauth: count('userOauth'),
    centrifugeSubscribe: count('centrifugeSubscribe'),
  };
}

/**
 * The most admitted requests in any sliding `windowMs` that starts at or after `from` and ends by `to`: what the
 * application actually used of the limit, whatever the phase of its windows (a per-minute average over a span
 * that is not a whole number of windows under-counts a budget spent in bursts).
 */
export function maxInAnyWindow(times: number[], from: number, to: number, windowMs = WINDOW_MS): number {
  const inside = times.filter((time) => time >= from && time <= to);
  let best = 0;
  let start = 0;
  for (let end = 0; end < inside.length; end += 1) {
    while (inside[end] - inside[start] >= windowMs) {
      start += 1;
    }
    best = Math.max(best, end - start + 1);
  }
  return best;
}

/** Admitted requests per `bucketMs` from `from` to `to` (how bursty the use of the budget is). */
export function histogram(times: number[], from: number, to: number, bucketMs: number): number[] {
  const buckets = Array<number>(Math.max(1, Math.ceil((to - from) / bucketMs))).fill(0);
  for (const time of times) {
    if (time >= from && time < to) {
      buckets[Math.floor((time - from) / bucketMs)] += 1;
    }
  }
  return buckets;
}

export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  onProgress?: () => void,
  progressEveryMs = 10_000,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let lastProgress = Date.now();
  while (!(await condition())) {
    if (Date.now() > deadline) {
      return false;
    }
    if (onProgress && Date.now() - lastProgress >= progressEveryMs) {
      lastProgress = Date.now();
      onProgress();
    }
    await delay(50);
  }
  return true;
}
