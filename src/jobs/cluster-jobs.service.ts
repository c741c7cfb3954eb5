import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { SchedulerRegistry } from '@nestjs/schedule';
import {
  InjectConfig,
  type BotsConfig,
  type RealtimeConfig,
  type SchedulerConfig,
  type TwitchConfig,
} from '../../config';
import { LeaderEvents, LeaderService } from '../../libs/locks';
import { ModerationService } from '../alerts';
import { TwitchTokenValidator } from '../auth';
import { BotsService } from '../bots';
import { DonationAnnouncer } from '../donations';
import { AvatarWall } from '../overlay';
import { RealtimeService } from '../realtime';
import { DonationAlertsScheduler } from '../scheduler';
import { SchedulerMembership } from '../scheduler';
import { WebhookRegistrations } from '../webhooks';

export type LeaderJob =
  | 'twitch-token-validation'
  | 'schedule-reconcile'
  | 'announce-pending'
  | 'release-approved'
  | 'webhook-cleanup'
  | 'avatar-sweep';

const RECONCILE_EVERY_MS = 60_000;
const ANNOUNCE_PENDING_EVERY_MS = 15_000;
const WEBHOOK_CLEANUP_EVERY_MS = 24 * 60 * 60_000;
/** Viewers leave the avatar wall within this long after AVATARS_IDLE_MS of silence (at least 10 s). */
const AVATAR_SWEEP_EVERY_MS = 5000;

/**
 * The one place that schedules recurring work. Leader jobs run on the leader only, never twice at once, as
 * soon as leadership is won (so a starting cluster validates tokens and fills the schedule at once) and then on
 * their interval. The poll tick runs on every instance: instances share the work through the schedule.
 */
@Injectable()
export class ClusterJobsService implements OnApplicationBootstrap {
  private readonly logger = new Logger(ClusterJobsService.name);
  private readonly running = new Set<LeaderJob>();
  private readonly jobs: Record<LeaderJob, () => Promise<unknown>>;
  private ticking = false;

  constructor(
    private readonly leader: LeaderService,
    private readonly registry: SchedulerRegistry,
    @InjectConfig('twitch') private readonly twitchSettings: TwitchConfig,
    @InjectConfig('scheduler') private readonly schedulerSettings: SchedulerConfig,
    @InjectConfig('realtime') private readonly realtimeSettings: RealtimeConfig,
    private readonly realtime: RealtimeService,
    @InjectConfig('bots') private readonly botsSettings: BotsConfig,
    private readonly bots: BotsService,
    private readonly scheduler: DonationAlertsScheduler,
    twitchTokens: TwitchTokenValidator,
    membership: SchedulerMembership,
    announcer: DonationAnnouncer,
    moderation: ModerationService,
    webhooks: WebhookRegistrations,
    avatars: AvatarWall,
  ) {
    this.jobs = {
      'twitch-token-validation': () => twitchTokens.validateAll(),
      'schedule-reconcile': () => membership.reconcile(),
      'announce-pending': () => announcer.announcePending(),
      'release-approved': () => moderation.releasePending(),
      'webhook-cleanup': () => webhooks.cleanup(),
      'avatar-sweep': () => avatars.sweep(),
    };
  }

  onApplicationBootstrap(): void {
    this.every('twitch-token-validation', this.twitchSettings.validateIntervalMs, () =>
      this.runIfLeader('twitch-token-validation'),
    );
    this.every('schedule-reconcile', RECONCILE_EVERY_MS, () => this.runIfLeader('schedule-reconcile'));
    this.every('announce-pending', ANNOUNCE_PENDING_EVERY_MS, () => this.runIfLeader('announce-pending'));
    this.every('release-approved', ANNOUNCE_PENDING_EVERY_MS, () => this.runIfLeader('release-approved'));
    this.every('webhook-cleanup', WEBHOOK_CLEANUP_EVERY_MS, () => this.runIfLeader('webhook-cleanup'));
    this.every('avatar-sweep', AVATAR_SWEEP_EVERY_MS, () => this.runIfLeader('avatar-sweep'));
    if (this.schedulerSettings.enabled) {
      // Finished polls claim the next ones themselves; the tick picks up streamers that became due meanwhile.
      this.scheduler.startContinuousPolling();
      this.every('donationalerts-poll-tick', this.schedulerSettings.tickMs, () => this.tick());
    }
    if (this.realtimeSettings.enabled) {
      // Every instance: each claims its share of the sockets, takes over a dead owner's, restarts its own.
      void this.realtimeWatchdog();
      this.every('realtime-watchdog', this.realtimeSettings.watchdogMs, () => this.realtimeWatchdog());
    }
    if (this.botsSettings.enabled) {
      // Every instance: restores its share of the bots at once, then takes over dead owners' and restarts its own.
      void this.bots
        .restoreBotsFromRedis()
        .catch((error: Error) => this.logger.warn(`Restoring bots failed: ${error.message}`));
      this.every('bots-watchdog', this.botsSettings.watchdogMs, () => this.botsWatchdog());
    }
  }

  @OnEvent(LeaderEvents.elected)
  async onLeadershipWon(): Promise<void> {
    await Promise.all((Object.keys(this.jobs) as LeaderJob[]).map((job) => this.runIfLeader(job)));
  }

  /** Runs the job now if this instance leads and the job is not already running; resolves when done. */
  async runIfLeader(job: LeaderJob): Promise<void> {
    if (!this.leader.isLeader() || this.running.has(job)) {
      return;
    }
    this.running.add(job);
    try {
      await this.jobs[job]();
    } catch (error) {
      this.logger.error(`Job ${job} failed: ${(error as Error).message}`, (error as Error).stack);
    } finally {
      this.running.delete(job);
    }
  }

  /** Claims due streamers without waiting for their polls, so a slow poll never holds back the next tick. */
  private async tick(): Promise<void> {
    if (this.ticking) {
      return;
    }
    this.ticking = true;
    try {
      await this.scheduler.startDuePolls();
    } catch (error) {
      this.logger.error(`Poll tick failed: ${(error as Error).message}`, (error as Error).stack);
    } finally {
      this.ticking = false;
    }
  }

  private async realtimeWatchdog(): Promise<void> {
    try {
      await this.realtime.watchdog();
    } catch (error) {
      this.logger.error(`Realtime watchdog failed: ${(error as Error).message}`, (error as Error).stack);
    }
  }

  private async botsWatchdog(): Promise<void> {
    try {
      await this.bots.watchdog();
    } catch (error) {
      this.logger.error(`Bots watchdog failed: ${(error as Error).message}`, (error as Error).stack);
    }
  }

  private every(name: string, intervalMs: number, run: () => Promise<void>): void {
    const timer = setInterval(() => void run(), intervalMs);
    timer.unref();
    this.registry.addInterval(name, timer);
  }
}
