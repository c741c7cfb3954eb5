import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { OnEvent } from '@nestjs/event-emitter';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { AllConfig } from '../../config';
import { LeaderEvents, LeaderService } from '../../libs/locks';
import { TwitchTokenValidator } from '../auth/twitch-token-validator';

/**
 * The one place that schedules cluster-wide singleton jobs. Each job runs on the leader only, never twice at
 * once, when leadership is won (so a starting cluster validates at once) and then on its interval.
 */
@Injectable()
export class ClusterJobsService implements OnApplicationBootstrap {
  private readonly logger = new Logger(ClusterJobsService.name);
  private readonly running = new Set<string>();

  constructor(
    private readonly leader: LeaderService,
    private readonly twitchTokens: TwitchTokenValidator,
    private readonly registry: SchedulerRegistry,
    private readonly config: ConfigService<AllConfig, true>,
  ) {}

  onApplicationBootstrap(): void {
    const every = this.config.get('twitch.validateIntervalMs', { infer: true });
    const timer = setInterval(() => void this.runIfLeader('twitch-token-validation'), every);
    timer.unref();
    this.registry.addInterval('twitch-token-validation', timer);
  }

  @OnEvent(LeaderEvents.elected)
  onLeadershipWon(): void {
    void this.runIfLeader('twitch-token-validation');
  }

  /** Runs the job now if this instance leads and the job is not already running; resolves when done. */
  async runIfLeader(job: 'twitch-token-validation'): Promise<void> {
    if (!this.leader.isLeader() || this.running.has(job)) {
      return;
    }
    this.running.add(job);
    try {
      await this.twitchTokens.validateAll();
    } catch (error) {
      this.logger.error(`Job ${job} failed: ${(error as Error).message}`, (error as Error).stack);
    } finally {
      this.running.delete(job);
    }
  }
}
