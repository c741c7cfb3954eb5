import { OutboundHttpError } from '../common/outbound/http-json';
import { StaleLeaseError } from '../donations/donation-ingestor';
import { NotConnectedError, ReauthRequiredError } from '../oauth/oauth-errors';
import { BudgetExhaustedError } from '../donation-alerts/request-budget';
import {
  afterFailure,
  afterSuccess,
  pollPriority,
  whenLockBusy,
  type PolicySettings,
} from './poll-outcome.policy';
import { EMPTY_POLL_STATE, type PollState } from './poll-state.store';

const SETTINGS: PolicySettings = {
  baseIntervalMs: 5_000,
  maxIntervalMs: 60_000,
  jitter: 0,
  pushSafetyPollMs: 60_000,
  lockTtlMs: 4_500,
};
const NOW = 1_000_000;
const DUE_AT = NOW - 700;

function state(overrides: Partial<PollState> = {}): PollState {
  return { ...EMPTY_POLL_STATE, ...overrides };
}

const failing = state({
  consecutiveErrors: 2,
  totalErrors: 5,
  errorsByKind: { server: 4, network: 1 },
  lastPollAt: NOW - 20_000,
  lastSuccessAt: NOW - 60_000,
  lastError: 'before',
  lastResponseMs: 120,
  requestsNeeded: 3,
});

const fail = (error: unknown, previous = failing, random?: () => number) =>
  afterFailure(previous, error, { now: NOW, dueAt: DUE_AT }, SETTINGS, random);

describe('poll outcome policy', () => {
  describe(whenLockBusy.name, () => {
    it('defers by the lock TTL when another instance holds the poll lock', () => {
      expect(whenLockBusy(NOW, SETTINGS)).toEqual({
        action: 'reschedule',
        result: { status: 'deferred', reason: 'polled by another instance', retryInMs: 4_500 },
        dueAt: NOW + 4_500,
        state: null,
        metric: null,
      });
    });
  });

  describe(afterSuccess.name, () => {
    const outcome = { newDonations: 2, requests: 1, lastResponseMs: 40 };

    it('resets the errors and the reservation and polls again after the base interval', () => {
      expect(afterSuccess(failing, outcome, { now: NOW, pushActive: false }, SETTINGS)).toEqual({
        action: 'reschedule',
        result: { status: 'polled', newDonations: 2 },
        dueAt: NOW + 5_000,
        state: {
          ...failing,
          consecutiveErrors: 0,
          requestsNeeded: 1,
          lastPollAt: NOW,
          lastSuccessAt: NOW,
          lastResponseMs: 40,
        },
        metric: 'ok',
      });
    });

    it('keeps the totals and the last error for the stats', () => {
      const decision = afterSuccess(failing, outcome, { now: NOW, pushActive: false }, SETTINGS);

      expect(decision).toMatchObject({
        state: { totalErrors: 5, errorsByKind: { server: 4, network: 1 }, lastError: 'before' },
      });
    });

    it('polls only as a safety net while a push source delivers', () => {
      expect(afterSuccess(state(), outcome, { now: NOW, pushActive: true }, SETTINGS)).toMatchObject({
        dueAt: NOW + 60_000,
      });
    });

    it('keeps the previous response time when the poll measured none', () => {
      const decision = afterSuccess(
        failing,
        { ...outcome, lastResponseMs: null },
        { now: NOW, pushActive: false },
        SETTINGS,
      );

      expect(decision).toMatchObject({ state: { lastResponseMs: 120 } });
    });
  });

  describe(afterFailure.name, () => {
    it('keeps the place in line when the application budget is spent', () => {
      const error = new BudgetExhaustedError(7_000, 'app');

      expect(fail(error)).toEqual({
        action: 'reschedule',
        result: { status: 'deferred', reason: error.message, retryInMs: 7_000 },
        dueAt: DUE_AT,
        state: null,
        metric: null,
      });
    });

    it('waits for the streamer budget without touching the state when the reservation is unchanged', () => {
      const error = new BudgetExhaustedError(3_000, 'streamer', 3);

      expect(fail(error)).toEqual({
        action: 'reschedule',
        result: { status: 'deferred', reason: error.message, retryInMs: 3_000 },
        dueAt: NOW + 3_000,
        state: null,
        metric: null,
      });
    });

    it('remembers how many requests to reserve next time when the streamer budget cut the poll short', () => {
      const decision = fail(new BudgetExhaustedError(3_000, 'streamer', 5));

      expect(decision).toMatchObject({ dueAt: NOW + 3_000, state: { ...failing, requestsNeeded: 5 } });
    });

    it('retries after the base interval without counting an error when a newer lease took the cursor', () => {
      const error = new StaleLeaseError('s1', 4);

      expect(fail(error)).toEqual({
        action: 'reschedule',
        result: { status: 'deferred', reason: error.message, retryInMs: 5_000 },
        dueAt: NOW + 5_000,
        state: null,
        metric: null,
      });
    });

    it.each([
      ['the streamer must reconnect', new ReauthRequiredError('donationalerts', 's1')],
      ['the streamer is not connected', new NotConnectedError('donationalerts', 's1')],
    ])('removes the streamer when %s', (_case, error) => {
      expect(fail(error)).toEqual({
        action: 'remove',
        result: { status: 'removed', reason: error.message },
        metric: 'removed',
      });
    });

    it('backs off, doubling per consecutive error, and counts the error by kind', () => {
      const error = new OutboundHttpError('DonationAlerts answered 503', 503);

      expect(fail(error)).toEqual({
        action: 'reschedule',
        result: { status: 'failed', kind: 'server', retryInMs: 40_000 },
        dueAt: NOW + 40_000,
        state: {
          ...failing,
          consecutiveErrors: 3,
          totalErrors: 6,
          errorsByKind: { server: 5, network: 1 },
          lastPollAt: NOW,
          lastError: 'DonationAlerts answered 503',
        },
        metric: 'server',
      });
    });

    it('starts the backoff at twice the base interval after a success', () => {
      const decision = fail(new OutboundHttpError('timeout', null), state());

      expect(decision).toMatchObject({
        result: { status: 'failed', kind: 'network', retryInMs: 10_000 },
        state: { consecutiveErrors: 1, totalErrors: 1, errorsByKind: { network: 1 } },
      });
    });

    it('caps the backoff at the maximum interval', () => {
      const decision = fail(new OutboundHttpError('down', 500), state({ consecutiveErrors: 40 }));

      expect(decision).toMatchObject({ dueAt: NOW + 60_000, result: { retryInMs: 60_000 } });
    });

    it('adds up to the jitter fraction of the delay, from the random source', () => {
      const decision = afterFailure(
        state(),
        new OutboundHttpError('down', 500),
        { now: NOW, dueAt: DUE_AT },
        { ...SETTINGS, jitter: 0.1 },
        () => 0.5,
      );

      expect(decision).toMatchObject({ dueAt: NOW + 10_500, result: { retryInMs: 10_500 } });
    });

    it("honours a 429's Retry-After when it is longer than the backoff", () => {
      const decision = fail(new OutboundHttpError('slow down', 429, undefined, 90_000), state());

      expect(decision).toMatchObject({
        result: { status: 'failed', kind: 'rate-limited', retryInMs: 90_000 },
        dueAt: NOW + 90_000,
        metric: 'rate-limited',
      });
    });

    it('keeps the backoff when a Retry-After is shorter', () => {
      const decision = fail(new OutboundHttpError('slow down', 429, undefined, 1_000), state());

      expect(decision).toMatchObject({ result: { retryInMs: 10_000 }, dueAt: NOW + 10_000 });
    });

    it('counts anything unexpected as an internal error', () => {
      const decision = fail(new TypeError('x is undefined'), state());

      expect(decision).toMatchObject({
        result: { status: 'failed', kind: 'internal', retryInMs: 10_000 },
        state: { errorsByKind: { internal: 1 }, lastError: 'x is undefined' },
        metric: 'internal',
      });
    });
  });
});

describe('pollPriority', () => {
  it('makes the safety polls of a streamer on a working socket spare, but never its first poll', () => {
    expect(pollPriority(state({ lastSuccessAt: NOW - 1 }), true)).toBe('spare');
    expect(pollPriority(state({ lastSuccessAt: null }), true)).toBe('normal');
    expect(pollPriority(state({ lastSuccessAt: NOW - 1 }), false)).toBe('normal');
  });
});
