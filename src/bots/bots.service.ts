import {
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { EventEmitter2, OnEvent } from '@nestjs/event-emitter';
import { InjectConfig, type AppConfig, type BotsConfig, type ClusterConfig } from '../../config';
import { Clock } from '../../libs/clock';
import { EventBus, type Unsubscribe } from '../../libs/event-bus';
import { LockProvider } from '../../libs/locks';
import { KeyedOwnership, type KeyState, type OwnedWork, type WatchdogPass } from '../../libs/ownership';
import { RedisConnection } from '../../libs/redis';
import { AlertsEvents, ModerationService } from '../alerts';
import { DonationEvents, DonationsRepository, type Donation } from '../donations';
import { OAuthCredentialsRepository } from '../oauth';
import { OnboardingEvents } from '../streamers';
import { BotCountersStore } from './bot-counters.store';
import { BotIdentities } from './bot-identities';
import { BotStatus, BotWorker, type BotDeps } from './bot-worker';
import { BotsEvents, type BotChanged } from './bots.events';
import { BotsMetrics } from './bots.metrics';
import { BotsRepository } from './bots.repository';
import { ChatLimits } from './chat-limits';
import { ChatTransportFactory } from './chat/chat-transport';
import { DonationPageLinks } from './donation-page-links';

/**
 * One chat bot per streamer across the cluster, on the keyed ownership (leases with fencing, fair shares,
 * failover). Wanted: every streamer logged in with Twitch whose bot is not switched off. Donations reach the bot
 * from the cross-instance bus, whichever instance stored them; a bot that (re)starts catches up from the
 * database.
 */
@Injectable()
export class BotsService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Bots');
  readonly ownership: KeyedOwnership;
  private readonly deps: BotDeps;
  private readonly workers = new Map<string, BotWorker>();
  private readonly local = new Map<string, string>();
  private readonly subscriptions: Unsubscribe[] = [];

  constructor(
    @InjectConfig('bots') readonly settings: BotsConfig,
    @InjectConfig('app') app: AppConfig,
    @InjectConfig('cluster') cluster: ClusterConfig,
    locks: LockProvider,
    redis: RedisConnection,
    clock: Clock,
    private readonly bus: EventBus,
    private readonly credentials: OAuthCredentialsRepository,
    private readonly repository: BotsRepository,
    donations: DonationsRepository,
    moderation: ModerationService,
    identities: BotIdentities,
    transports: ChatTransportFactory,
    limits: ChatLimits,
    links: DonationPageLinks,
    counters: BotCountersStore,
    events: EventEmitter2,
    metrics: BotsMetrics,
  ) {
    this.ownership = new KeyedOwnership(
      { kind: 'bots', instanceId: app.instanceId, ...cluster },
      locks,
      redis,
      clock,
    );
    this.deps = {
      settings,
      repository,
      donations,
      moderation,
      identities,
      transports,
      limits,
      links,
      counters,
      events,
      metrics,
      clock,
    };
    metrics.observe({
      statuses: () => this.local.values(),
      queueDepth: () => [...this.workers.values()].reduce((sum, worker) => sum + worker.queueDepth, 0),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.settings.enabled) {
      this.logger.log('Chat bots are off (BOTS_ENABLED=false)');
      return;
    }
    this.subscriptions.push(
      await this.bus.subscribe<Donation>(DonationEvents.received, ({ payload }) => this.onDonation(payload)),
      await this.bus.subscribe<Donation>(AlertsEvents.approved, ({ payload }) => this.onDonation(payload)),
      await this.bus.subscribe<BotChanged>(BotsEvents.changed, ({ payload }) => this.onChanged(payload)),
    );
    this.ownership.start(
      () => this.wanted(),
      (work) => this.run(work),
    );
  }

  /** At start: claims this instance's fair share of the bots recorded in the shared state (and any unowned). */
  async restoreBotsFromRedis(): Promise<void> {
    if (!this.settings.enabled) {
      return;
    }
    const pass = await this.ownership.watchdog();
    this.logger.log(`Restored ${pass.claimed} bots from Redis`);
  }

  /** One watchdog pass (the jobs module runs it every BOTS_WATCHDOG_INTERVAL_MS). */
  async watchdog(): Promise<WatchdogPass | null> {
    if (!this.settings.enabled) {
      return null;
    }
    const pass = await this.ownership.watchdog();
    if (pass.claimed + pass.released + pass.restarted + pass.shed > 0) {
      this.logger.log(
        `Watchdog: reconnected ${pass.restarted}, claimed ${pass.claimed}, released ${pass.released + pass.shed}`,
      );
    }
    return pass;
  }

  /** A login may bring a new token or the chat:edit scope: the bot reconnects with it. Never fails the login. */
  @OnEvent(OnboardingEvents.twitchLoggedIn, { promisify: true })
  async onTwitchLogin(streamerId: string): Promise<void> {
    await this.changed(streamerId, true).catch((error: Error) =>
      this.logger.warn(`Bot of streamer ${streamerId} not told about the login: ${error.message}`),
    );
  }

  /** Tells every instance to look at the streamer's bot now; `reconnect` makes its owner reconnect it. */
  async changed(streamerId: string, reconnect: boolean): Promise<void> {
    if (this.settings.enabled) {
      await this.bus.publish<BotChanged>(BotsEvents.changed, { streamerId, reconnect });
    }
  }

  states(): Promise<KeyState[]> {
    return this.ownership.states();
  }

  state(streamerId: string): Promise<KeyState | null> {
    return this.ownership.state(streamerId);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.subscriptions.splice(0).map((unsubscribe) => unsubscribe()));
    await this.ownership.stop();
  }

  /** Bots the cluster should run now. */
  async wantedCount(): Promise<number> {
    return (await this.wanted()).length;
  }

  private async wanted(): Promise<string[]> {
    const [loggedIn, off] = await Promise.all([
      this.credentials.listActiveStreamerIds('twitch'),
      this.repository.disabledStreamerIds(),
    ]);
    const disabled = new Set(off);
    return loggedIn.filter((id) => !disabled.has(id));
  }

  private async onChanged({ streamerId, reconnect }: BotChanged): Promise<void> {
    await this.watchdog().catch((error: Error) =>
      this.logger.warn(`Bots watchdog after a change failed: ${error.message}`),
    );
    if (reconnect) {
      this.workers.get(streamerId)?.restart();
    }
  }

  private async onDonation(donation: Donation): Promise<void> {
    const worker = this.workers.get(donation.streamerId);
    if (!worker) {
      return;
    }
    await worker
      .thank(donation)
      .catch((error: Error) =>
        this.logger.warn(`Thank-you for donation ${donation.id} not queued: ${error.message}`),
      );
  }

  private run(work: OwnedWork): BotWorker {
    const report = (status: BotStatus, lastError: string | null = null) => {
      if (work.isOwner()) {
        this.local.set(work.key, status);
      }
      return this.ownership.report(work.key, work.epoch, status, lastError);
    };
    const worker = new BotWorker(work, this.deps, report);
    this.workers.set(work.key, worker);
    const forget = () => {
      if (this.workers.get(work.key) === worker) {
        this.workers.delete(work.key);
        this.local.delete(work.key);
      }
    };
    work.signal.addEventListener('abort', forget, { once: true });
    void worker.finished.finally(forget);
    return worker;
  }
}
