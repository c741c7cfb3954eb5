import {
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { EventEmitter2, OnEvent } from '@nestjs/event-emitter';
import { InjectConfig, type AppConfig, type ClusterConfig, type RealtimeConfig } from '../../config';
import { Clock } from '../../libs/clock';
import { LockProvider } from '../../libs/locks';
import { KeyedOwnership, type KeyState, type OwnedWork } from '../../libs/ownership';
import { RedisConnection } from '../../libs/redis';
import { DonationAlertsBudget, DonationAlertsClient, DonationAlertsOAuthClient } from '../donation-alerts';
import { DonationIngestor, PushActivity } from '../donations';
import { OAuthCredentialsRepository, OAuthTokenService } from '../oauth';
import { OnboardingEvents } from '../streamers';
import { RealtimeActivityStore } from './realtime-activity.store';
import { RealtimeConnection, type RealtimeDeps, type RealtimeState } from './realtime-connection';
import { RealtimeMetrics } from './realtime.metrics';

/**
 * Runs one realtime socket per streamer with a working DonationAlerts connection, across the cluster: the
 * keyed ownership gives each streamer to exactly one live instance (fair shares, leases, failover), and the
 * watchdog (run from the jobs module every WATCHDOG_INTERVAL_MS) claims orphans and restarts dead sockets.
 */
@Injectable()
export class RealtimeService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('DA Realtime');
  readonly ownership: KeyedOwnership;
  private readonly deps: RealtimeDeps;
  /** The state of each socket this instance runs. */
  private readonly local = new Map<string, RealtimeState>();

  constructor(
    @InjectConfig('realtime') readonly settings: RealtimeConfig,
    @InjectConfig('app') app: AppConfig,
    @InjectConfig('cluster') cluster: ClusterConfig,
    locks: LockProvider,
    redis: RedisConnection,
    clock: Clock,
    private readonly credentials: OAuthCredentialsRepository,
    oauth: DonationAlertsOAuthClient,
    client: DonationAlertsClient,
    tokens: OAuthTokenService,
    budget: DonationAlertsBudget,
    ingestor: DonationIngestor,
    pushActivity: PushActivity,
    activity: RealtimeActivityStore,
    events: EventEmitter2,
    metrics: RealtimeMetrics,
  ) {
    this.ownership = new KeyedOwnership(
      { kind: 'realtime', instanceId: app.instanceId, ...cluster },
      locks,
      redis,
      clock,
    );
    this.deps = {
      settings,
      oauth,
      client,
      tokens,
      budget,
      ingestor,
      pushActivity,
      activity,
      events,
      metrics,
      clock,
    };
    metrics.countStates(() => this.local.values());
  }

  onApplicationBootstrap(): void {
    if (!this.settings.enabled) {
      this.logger.log('Realtime push is off (DA_REALTIME_ENABLED=false): every streamer is polled');
      return;
    }
    this.ownership.start(
      () => this.credentials.listActiveStreamerIds('donationalerts'),
      (work) => this.connect(work),
    );
  }

  /** One watchdog pass (the jobs module runs it every WATCHDOG_INTERVAL_MS). */
  async watchdog(): Promise<void> {
    if (this.settings.enabled) {
      await this.ownership.watchdog();
    }
  }

  /** A streamer connected DonationAlerts, or left: act on it now rather than at the next watchdog pass. */
  @OnEvent(OnboardingEvents.donationAlertsConnected, { promisify: true })
  @OnEvent(OnboardingEvents.donationAlertsDisconnected, { promisify: true })
  async onConnectionChanged(): Promise<void> {
    // Never fails the connect flow: the periodic watchdog tries again.
    await this.watchdog().catch((error: Error) =>
      this.logger.warn(`Realtime watchdog after a connection change failed: ${error.message}`),
    );
  }

  states(): Promise<KeyState[]> {
    return this.ownership.states();
  }

  /** How the streamer's donations arrive now: over a connected socket, or by polling while it connects or is off. */
  async viewOf(streamerId: string): Promise<'connected' | 'connecting' | 'off'> {
    if (!this.settings.enabled) {
      return 'off';
    }
    const state = await this.ownership.state(streamerId);
    return state?.owner && state.status === 'connected' ? 'connected' : 'connecting';
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.ownership.stop();
  }

  private connect(work: OwnedWork): RealtimeConnection {
    const report = (state: RealtimeState, lastError?: string | null) => {
      if (work.isOwner()) {
        this.local.set(work.key, state);
      }
      return this.ownership.report(work.key, work.epoch, state, lastError);
    };
    work.signal.addEventListener('abort', () => this.local.delete(work.key), { once: true });
    return new RealtimeConnection(work.key, this.deps, work.signal, report, () => work.isOwner());
  }
}
