import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { InjectConfig, type SchedulerConfig } from '../../config';
import { Clock } from '../../libs/clock';
import { LockKeys, LockProvider } from '../../libs/locks';
import { PushActivity } from '../donations';
import { DonationPoller, type PollOutcome } from './donation-poller';
import { DonationAlertsBudget } from '../donation-alerts';
import {
  afterFailure,
  afterSuccess,
  pollPriority,
  whenLockBusy,
  type PollDecision,
  type PollResult,
} from './poll-outcome.policy';
import { PollSchedule, type ScheduledStreamer } from './poll-schedule';
import { PollStateStore, type PollState } from './poll-state.store';
import { SchedulerMetrics } from './scheduler.metrics';

export type { PollResult } from './poll-outcome.policy';

/** How long a read of the schedule's size is reused when sizing concurrency. */
const SIZE_REFRESH_MS = 1000;

/** Streamers per extra concurrent poll: concurrency grows by one for every this many streamers. */
export const STREAMERS_PER_EXTRA_POLL = 25;

/**
 * Per-streamer DonationAlerts polling shared by every instance: the schedule and each streamer's state live in
 * Redis (in memory without it); any instance claims due streamers and polls them under a per-streamer lock.
 */
@Injectable()
export class DonationAlertsScheduler implements BeforeApplicationShutdown {
  private readonly logger = new Logger('DA Scheduler');
  private readonly running = new Set<string>();
  private knownSize = 0;
  private sizeReadAt = Number.NEGATIVE_INFINITY;
  /** Slots reserved by ticks that are still claiming, so overlapping ticks cannot over-claim. */
  private claiming = 0;
  private continuous = false;

  constructor(
    private readonly schedule: PollSchedule,
    private readonly states: PollStateStore,
    private readonly poller: DonationPoller,
    private readonly budget: DonationAlertsBudget,
    private readonly locks: LockProvider,
    private readonly clock: Clock,
    private readonly metrics: SchedulerMetrics,
    private readonly pushActivity: PushActivity,
    @InjectConfig('scheduler') private readonly settings: SchedulerConfig,
  ) {}

  get isRunning(): boolean {
    return this.settings.enabled;
  }

  async add(streamerId: string): Promise<void> {
    if (await this.schedule.add(streamerId, this.clock.now())) {
      this.logger.log(`Added streamer ${streamerId} to scheduler`);
    }
  }

  async remove(streamerId: string, reason: string): Promise<void> {
    await this.schedule.remove(streamerId);
    await this.states.remove(streamerId);
    this.logger.log(`Removed streamer ${streamerId} from scheduler: ${reason}`);
  }

  /** How many polls this instance runs at once: DA_POLL_CONCURRENCY, plus one per 25 streamers, at most ×4. */
  concurrencyFor(streamers: number): number {
    const base = this.settings.concurrency;
    return Math.min(base * 4, Math.max(base, Math.ceil(streamers / STREAMERS_PER_EXTRA_POLL)));
  }

  /**
   * Keeps polling without waiting for ticks: every finished poll claims the next due streamer at once, so one
   * instance uses its whole budget and one slow streamer holds only its own slot.
   */
  startContinuousPolling(): void {
    this.continuous = true;
  }

  /** Shutdown: polls in flight finish, no new ones start. */
  beforeApplicationShutdown(): void {
    this.continuous = false;
  }

  /** Claims the streamers that are due (longest-waiting first) as far as free slots allow, and polls them. */
  async tick(): Promise<PollResult[]> {
    const claimed = await this.claimDue();
    return Promise.all(claimed.map(({ streamerId, dueAt }) => this.pollOne(streamerId, dueAt)));
  }

  /** Like tick, but resolves as soon as the due streamers are claimed; their polls go on in the background. */
  async startDuePolls(): Promise<number> {
    const claimed = await this.claimDue();
    for (const { streamerId, dueAt } of claimed) {
      this.pollOne(streamerId, dueAt).catch((error: Error) =>
        this.logger.error(`Poll of streamer ${streamerId} failed: ${error.message}`, error.stack),
      );
    }
    return claimed.length;
  }

  private async claimDue(): Promise<ScheduledStreamer[]> {
    const now = this.clock.now();
    if (now - this.sizeReadAt >= SIZE_REFRESH_MS) {
      this.knownSize = await this.schedule.size();
      this.sizeReadAt = now;
    }
    const slots = this.concurrencyFor(this.knownSize) - this.running.size - this.claiming;
    // Never claim more streamers than the application budget can serve now: the rest keep their place in line.
    const free = slots > 0 ? Math.min(slots, await this.budget.appRemaining()) : 0;
    if (free <= 0) {
      return [];
    }
    this.claiming += free;
    let claimed: ScheduledStreamer[];
    try {
      claimed = await this.schedule.claimDue(now, free, this.settings.lockTtlMs * 2);
    } finally {
      this.claiming -= free;
    }
    for (const { dueAt } of claimed) {
      this.metrics.scheduleLag.observe(Math.max(0, now - dueAt) / 1000);
    }
    if (claimed.length > 0) {
      this.logger.debug(`Polling ${claimed.length} streamers`);
    }
    return claimed;
  }

  /**
   * Polls one streamer now, under its lock, and schedules its next poll from the outcome. `dueAt`: when it was
   * due, kept if the application budget turns out to be spent so it does not lose its place in line.
   */
  async pollOne(streamerId: string, dueAt = this.clock.now()): Promise<PollResult> {
    this.running.add(streamerId);
    try {
      const lease = await this.locks.tryLock(LockKeys.streamerPoll(streamerId), this.settings.lockTtlMs);
      if (!lease) {
        return await this.apply(streamerId, whenLockBusy(this.clock.now(), this.settings));
      }
      try {
        return await this.apply(streamerId, await this.pollUnderLock(streamerId, lease.token, dueAt));
      } finally {
        await lease.release();
      }
    } finally {
      this.running.delete(streamerId);
      if (this.continuous) {
        this.startDuePolls().catch((error: Error) =>
          this.logger.error(`Claiming the next polls failed: ${error.message}`),
        );
      }
    }
  }

  private async pollUnderLock(
    streamerId: string,
    fencingToken: number,
    dueAt: number,
  ): Promise<PollDecision> {
    const state = await this.states.get(streamerId);
    const started = this.clock.now();
    let outcome: PollOutcome;
    const pushActive = await this.pushActivity.isActive(streamerId);
    try {
      outcome = await this.poller.poll(
        streamerId,
        fencingToken,
        state.requestsNeeded,
        pollPriority(state, pushActive),
      );
    } catch (error) {
      const decision = afterFailure(state, error, { now: this.clock.now(), dueAt }, this.settings);
      if (decision.result.status === 'failed' && decision.result.kind === 'internal') {
        this.logger.error(
          `Poll of streamer ${streamerId} failed: ${(error as Error).message}`,
          (error as Error).stack,
        );
      }
      return decision;
    }
    const now = this.clock.now();
    this.metrics.pollDuration.observe((now - started) / 1000);
    return afterSuccess(state, outcome, { now, pushActive }, this.settings);
  }

  /** Carries out the policy's decision: the state, the next due time or the removal, the metric, the log. */
  private async apply(streamerId: string, decision: PollDecision): Promise<PollResult> {
    if (decision.action === 'remove') {
      await this.remove(streamerId, decision.result.reason);
      this.metrics.polls.inc({ outcome: decision.metric });
      return decision.result;
    }
    const { result, state, dueAt, metric } = decision;
    if (state) {
      await this.states.put(streamerId, state);
    }
    await this.schedule.setDue(streamerId, dueAt);
    if (metric) {
      this.metrics.polls.inc({ outcome: metric });
    }
    if (result.status === 'failed') {
      this.logger.warn(
        `Streamer ${streamerId} backoff: ${state?.consecutiveErrors}, next poll in ${result.retryInMs}ms (${result.kind})`,
      );
    }
    return result;
  }

  async resetBackoff(streamerId: string): Promise<void> {
    const state = await this.states.get(streamerId);
    await this.states.put(streamerId, { ...state, consecutiveErrors: 0 });
    await this.schedule.setDue(streamerId, this.clock.now());
  }

  /** Makes a scheduled streamer due now, keeping its backoff state (a push channel came back). */
  async pollSoon(streamerId: string): Promise<void> {
    if (await this.schedule.has(streamerId)) {
      await this.schedule.setDue(streamerId, this.clock.now());
    }
  }

  isScheduled(streamerId: string): Promise<boolean> {
    return this.schedule.has(streamerId);
  }

  /** The ids of every scheduled streamer, without their state. */
  async scheduledIds(): Promise<string[]> {
    return (await this.schedule.all()).map(({ streamerId }) => streamerId);
  }

  async snapshot(): Promise<{
    entries: Array<{ streamerId: string; dueAt: number; state: PollState }>;
    now: number;
  }> {
    const entries = await this.schedule.all();
    const states = await this.states.getMany(entries.map((entry) => entry.streamerId));
    return { entries: entries.map((entry, i) => ({ ...entry, state: states[i] })), now: this.clock.now() };
  }

  appBudget(): ReturnType<DonationAlertsBudget['appUsage']> {
    return this.budget.appUsage();
  }
}
