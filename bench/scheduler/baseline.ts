import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { requestJson } from '../../src/common/outbound/http-json';

export interface BaselineResult {
  concurrency: number;
  /** Requests started per second when paced; null when as fast as the fake answers. */
  pacedPerSecond: number | null;
  durationMs: number;
  requests: number;
  errors: number;
  requestsPerSecond: number;
  cpuMs: number;
  cpuPerRequestUs: number;
  /** Share of the time the event loop was busy (0..1). */
  eventLoopUtilization: number;
}

/** Whom the baseline polls: the streamers' DA access tokens. */
export interface BaselineTarget {
  accessToken: string;
}

/**
 * The cheapest possible poll loop: `concurrency` workers take the streamers round-robin and GET page 1 of each
 * one's donations from the fake with the transport the app uses (`requestJson`: fetch with a timeout, text,
 * JSON.parse), with no Redis, locks, database, schedule or budget: as fast as the fake answers, or paced to
 * `pacedPerSecond` request starts a second. Its CPU per request (client and the in-process fake together) is
 * the yardstick for the scheduler's CPU per poll.
 */
export async function runBaseline(
  baseUrl: string,
  targets: BaselineTarget[],
  concurrency: number,
  durationMs: number,
  pacedPerSecond: number | null = null,
): Promise<BaselineResult> {
  const url = `${baseUrl}/api/v1/alerts/donations?page=1`;
  let next = 0;
  let requests = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const slot = next;
      next += 1;
      const target = targets[slot % targets.length];
      if (pacedPerSecond !== null) {
        const startAt = started + (slot * 1000) / pacedPerSecond;
        if (startAt >= deadline) {
          return;
        }
        await delay(Math.max(0, startAt - performance.now()));
      }
      try {
        await requestJson(url, {
          headers: { authorization: `Bearer ${target.accessToken}` },
          timeoutMs: 10_000,
        });
        requests += 1;
      } catch {
        errors += 1;
      }
    }
  };

  const elu = performance.eventLoopUtilization();
  const cpu = process.cpuUsage();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  return {
    concurrency,
    pacedPerSecond,
    durationMs: elapsed,
    requests,
    errors,
    requestsPerSecond: requests / (elapsed / 1000),
    cpuMs,
    cpuPerRequestUs: (cpuMs * 1000) / Math.max(1, requests),
    eventLoopUtilization: performance.eventLoopUtilization(elu).utilization,
  };
}
