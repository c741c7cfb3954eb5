import { Injectable } from '@nestjs/common';
import { PushActivity, type PushSource } from '../donations';
import type { PollErrorKind } from './poll-state.store';
import { DonationAlertsScheduler } from './donation-alerts-scheduler';

export interface StreamerPollStats {
  lastPoll: number | null;
  nextPoll: number;
  backoff: number;
  errors: number;
  /** A signed webhook delivered recently (polling is only a safety net meanwhile). */
  webhookEnabled: boolean;
  /** The push source that delivers for the streamer now, if any. */
  pushSource: PushSource | null;
  lastError: string | null;
  errorsByType: Partial<Record<PollErrorKind, number>>;
  lastResponseMs: number | null;
}

export interface SchedulerStats {
  isRunning: boolean;
  totalStreamers: number;
  readyStreamers: number;
  concurrency: number;
  streamers: Record<string, StreamerPollStats>;
  errorsByType: Partial<Record<PollErrorKind, number>>;
  lastResponseMs: number | null;
  budget: { used: number; limit: number; windowMs: number };
}

/**
 * Per streamer: interval, backoff, errors, webhook and push state (the fields the admin tools read), plus error
 * totals, response time and the application budget.
 */
@Injectable()
export class SchedulerStatsService {
  constructor(
    private readonly scheduler: DonationAlertsScheduler,
    private readonly pushActivity: PushActivity,
  ) {}

  async collect(): Promise<SchedulerStats> {
    const [{ entries, now }, budget] = await Promise.all([
      this.scheduler.snapshot(),
      this.scheduler.appBudget(),
    ]);
    const pushSources = await this.pushActivity.activeSources(entries.map(({ streamerId }) => streamerId));
    const streamers: Record<string, StreamerPollStats> = {};
    const errorsByType: Partial<Record<PollErrorKind, number>> = {};
    let latest: { at: number; ms: number | null } = { at: -1, ms: null };
    for (const [i, { streamerId, dueAt, state }] of entries.entries()) {
      streamers[streamerId] = {
        lastPoll: state.lastPollAt,
        nextPoll: dueAt,
        backoff: state.consecutiveErrors,
        errors: state.totalErrors,
        webhookEnabled: pushSources[i].includes('webhook'),
        pushSource: pushSources[i][0] ?? null,
        lastError: state.lastError,
        errorsByType: state.errorsByKind,
        lastResponseMs: state.lastResponseMs,
      };
      for (const [kind, count] of Object.entries(state.errorsByKind) as Array<[PollErrorKind, number]>) {
        errorsByType[kind] = (errorsByType[kind] ?? 0) + count;
      }
      if (state.lastPollAt !== null && state.lastPollAt > latest.at) {
        latest = { at: state.lastPollAt, ms: state.lastResponseMs };
      }
    }
    return {
      isRunning: this.scheduler.isRunning,
      totalStreamers: entries.length,
      readyStreamers: entries.filter(({ dueAt }) => dueAt <= now).length,
      concurrency: this.scheduler.concurrencyFor(entries.length),
      streamers,
      errorsByType,
      lastResponseMs: latest.ms,
      budget,
    };
  }
}
