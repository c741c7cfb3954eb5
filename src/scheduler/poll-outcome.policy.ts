import type { SchedulerConfig } from '../../config';
import { OutboundHttpError } from '../common';
import { StaleLeaseError } from '../donations';
import { NotConnectedError, ReauthRequiredError } from '../oauth';
import { backoffDelay } from './backoff';
import type { PollOutcome } from './donation-poller';
import { BudgetExhaustedError, type BudgetPriority } from '../donation-alerts';
import type { PollErrorKind, PollState } from './poll-state.store';

export type PollResult =
  | { status: 'polled'; newDonations: number }
  | { status: 'deferred'; reason: string; retryInMs: number }
  | { status: 'failed'; kind: PollErrorKind; retryInMs: number }
  | { status: 'removed'; reason: string };

/** The `da_polls_total` outcome label. */
export type PollMetricOutcome = 'ok' | 'removed' | PollErrorKind;

export type PolicySettings = Pick<
  SchedulerConfig,
  'baseIntervalMs' | 'maxIntervalMs' | 'jitter' | 'pushSafetyPollMs' | 'lockTtlMs'
>;

/**
 * What to do with a streamer after a poll attempt: keep it scheduled (when it is next due, and its state if
 * that changed), or take it off the schedule. `metric`: the `da_polls_total` outcome to count, if any.
 */
export type PollDecision =
  | {
      action: 'reschedule';
      result: Exclude<PollResult, { status: 'removed' }>;
      dueAt: number;
      state: PollState | null;
      metric: PollMetricOutcome | null;
    }
  | { action: 'remove'; result: Extract<PollResult, { status: 'removed' }>; metric: 'removed' };

type Reschedule = Extract<PollDecision, { action: 'reschedule' }>;

/** Another instance holds the streamer's poll lock: try again once that lock has run out. */
/**
 * A safety poll of a streamer whose push channel delivers uses only budget the others leave over; but never a
 * streamer's first poll. Until a poll has set its cursor, a donation made while its socket is down would be
 * taken for history by that first poll and skipped, so the first poll is as urgent as any other.
 */
export function pollPriority(state: PollState, pushActive: boolean): BudgetPriority {
  return pushActive && state.lastSuccessAt !== null ? 'spare' : 'normal';
}

export function whenLockBusy(now: number, settings: PolicySettings): PollDecision {
  return defer('polled by another instance', now, settings.lockTtlMs);
}

/**
 * A poll that went through: errors reset, the next poll at the base interval, or only as a safety net while
 * a push source delivers.
 */
export function afterSuccess(
  previous: PollState,
  outcome: PollOutcome,
  at: { now: number; pushActive: boolean },
  settings: PolicySettings,
): PollDecision {
  const { now, pushActive } = at;
  return {
    action: 'reschedule',
    result: { status: 'polled', newDonations: outcome.newDonations },
    dueAt: now + (pushActive ? settings.pushSafetyPollMs : settings.baseIntervalMs),
    state: {
      ...previous,
      consecutiveErrors: 0,
      requestsNeeded: 1,
      lastPollAt: now,
      lastSuccessAt: now,
      lastResponseMs: outcome.lastResponseMs ?? previous.lastResponseMs,
    },
    metric: 'ok',
  };
}

/**
 * A poll that threw. A spent budget or a lost lease only waits (a spent application budget keeps the
 * streamer's place in line: `dueAt`, when it was due). A connection that needs the streamer again removes it.
 * Anything else is an error: backoff doubles per consecutive error (with jitter from `random`), at least as
 * long as a 429's Retry-After.
 */
export function afterFailure(
  previous: PollState,
  error: unknown,
  at: { now: number; dueAt: number },
  settings: PolicySettings,
  random: () => number = Math.random,
): PollDecision {
  const { now, dueAt } = at;
  if (error instanceof BudgetExhaustedError) {
    if (error.scope === 'app') {
      return {
        action: 'reschedule',
        result: { status: 'deferred', reason: error.message, retryInMs: error.retryAfterMs },
        dueAt,
        state: null,
        metric: null,
      };
    }
    const state =
      error.requestsNeeded !== previous.requestsNeeded
        ? { ...previous, requestsNeeded: error.requestsNeeded }
        : null;
    return { ...defer(error.message, now, error.retryAfterMs), state };
  }
  if (error instanceof StaleLeaseError) {
    return defer(error.message, now, settings.baseIntervalMs);
  }
  if (error instanceof ReauthRequiredError || error instanceof NotConnectedError) {
    return { action: 'remove', result: { status: 'removed', reason: error.message }, metric: 'removed' };
  }
  const kind: PollErrorKind = error instanceof OutboundHttpError ? error.kind : 'internal';
  const consecutiveErrors = previous.consecutiveErrors + 1;
  let delay = backoffDelay(consecutiveErrors, settings, random);
  if (error instanceof OutboundHttpError && error.retryAfterMs !== null) {
    delay = Math.max(delay, error.retryAfterMs);
  }
  return {
    action: 'reschedule',
    result: { status: 'failed', kind, retryInMs: delay },
    dueAt: now + delay,
    state: {
      ...previous,
      consecutiveErrors,
      totalErrors: previous.totalErrors + 1,
      errorsByKind: { ...previous.errorsByKind, [kind]: (previous.errorsByKind[kind] ?? 0) + 1 },
      lastPollAt: now,
      lastError: (error as Error).message,
    },
    metric: kind,
  };
}

function defer(reason: string, now: number, retryInMs: number): Reschedule {
  return {
    action: 'reschedule',
    result: { status: 'deferred', reason, retryInMs },
    dueAt: now + retryInMs,
    state: null,
    metric: null,
  };
}
