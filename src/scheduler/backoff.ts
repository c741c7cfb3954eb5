import type { SchedulerConfig } from '../../config';

/**
 * The wait before the next poll after `consecutiveErrors` errors in a row: the base interval doubled per error,
 * capped at the maximum, plus up to `jitter` of itself so failing streamers do not retry in lockstep.
 * 5 s base, 60 s max: 5, 10, 20, 40, 60, 60 … (before jitter).
 */
export function backoffDelay(
  consecutiveErrors: number,
  settings: Pick<SchedulerConfig, 'baseIntervalMs' | 'maxIntervalMs' | 'jitter'>,
  random: () => number = Math.random,
): number {
  const exponential = settings.baseIntervalMs * 2 ** Math.min(consecutiveErrors, 30);
  const capped = Math.min(settings.maxIntervalMs, exponential);
  return Math.round(capped * (1 + settings.jitter * random()));
}
