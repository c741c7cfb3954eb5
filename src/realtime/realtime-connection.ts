import { Logger } from '@nestjs/common';
import type { EventEmitter2 } from '@nestjs/event-emitter';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RealtimeConfig } from '../../config';
import type { Clock } from '../../libs/clock';
import {
  toIncomingDonation,
  type DonationAlertsBudget,
  type DonationAlertsClient,
  type DonationAlertsDonation,
  type DonationAlertsOAuthClient,
} from '../donation-alerts';
import { PushEvents, type DonationIngestor, type PushActivity, type PushResumed } from '../donations';
import { ReauthRequiredError, RefreshRejectedError, type OAuthTokenService } from '../oauth';
import { donationChannel } from './centrifugo-protocol';
import type { RealtimeActivityStore } from './realtime-activity.store';
import { RealtimeApi, type SocketCredentials } from './realtime-api';
import { RealtimeSocket, type SocketEnd } from './realtime-socket';
import type { RealtimeMetrics } from './realtime.metrics';
import { reconnectDelay } from '../../libs/retry';

/** A socket's state as operators and the dashboard see it. */
export type RealtimeState = 'connecting' | 'connected' | 'reconnecting' | 'needs_reauth' | 'stopped';

/** What every streamer's connection shares; built once by RealtimeService. */
export interface RealtimeDeps {
  settings: RealtimeConfig;
  oauth: DonationAlertsOAuthClient;
  client: DonationAlertsClient;
  tokens: OAuthTokenService;
  budget: DonationAlertsBudget;
  ingestor: DonationIngestor;
  pushActivity: PushActivity;
  activity: RealtimeActivityStore;
  events: EventEmitter2;
  metrics: RealtimeMetrics;
  clock: Clock;
}

/** Reports the state to the shared ownership state (fenced: a lost lease cannot overwrite the new owner's). */
export type ReportState = (state: RealtimeState, lastError?: string | null) => Promise<unknown>;

/**
 * One streamer's realtime push, for as long as this instance owns the streamer: fetch the socket token, connect,
 * subscribe, feed every pushed donation into the one pipeline (channel `realtime`), and reconnect with growing
 * waits when the socket drops. Every DonationAlerts call takes its place in the shared budget. A connection is
 * "stable" once it stayed up for `reconnectMaxMs`: only then does the backoff start from the beginning again, so
 * a socket that flaps every second waits longer and longer.
 */
export class RealtimeConnection {
  private static readonly logger = new Logger('DA Realtime');
  readonly finished: Promise<void>;
  private socket?: RealtimeSocket;
  private lastMarkAt = 0;
  private readonly api: RealtimeApi;

  constructor(
    private readonly streamerId: string,
    private readonly deps: RealtimeDeps,
    private readonly signal: AbortSignal,
    private readonly report: ReportState,
    /** False once this instance's lease on the streamer ran out by its own clock (a paused instance waking up). */
    private readonly isOwner: () => boolean,
  ) {
    this.api = new RealtimeApi(streamerId, deps, signal);
    this.finished = this.run();
  }

  async stop(): Promise<void> {
    this.socket?.close();
    await this.finished;
  }

  private async run(): Promise<void> {
    let attempt = 0;
    let credentials: SocketCredentials | null = null;
    try {
      await this.report('connecting');
      while (!this.signal.aborted) {
        if (!credentials) {
          try {
            credentials = await this.api.socketCredentials();
          } catch (error) {
            if (isReauth(error) || isAbort(error)) {
              throw error;
            }
            await this.waitBeforeReconnect(++attempt, { kind: 'failed', error: error as Error });
            continue;
          }
        }
        const connectedAt = { at: null as number | null };
        const end = await this.connectOnce(credentials, connectedAt);
        await this.markInactive();
        if (end.kind === 'stopped' || this.signal.aborted) {
          break;
        }
        if (end.kind === 'failed' && isReauth(end.error)) {
          throw end.error;
        }
        if (end.kind === 'token') {
          credentials = null;
        }
        const stable =
          connectedAt.at !== null &&
          this.deps.clock.now() - connectedAt.at >= this.deps.settings.reconnectMaxMs;
        attempt = stable ? 1 : attempt + 1;
        await this.waitBeforeReconnect(attempt, end);
      }
    } catch (error) {
      if (isReauth(error)) {
        await this.needsReauth(error as Error);
      } else if (!isAbort(error)) {
        RealtimeConnection.logger.error(
          `Streamer ${this.streamerId}: realtime stopped: ${(error as Error).message}`,
        );
        await this.report('reconnecting', (error as Error).message);
        throw error;
      }
    } finally {
      await this.markInactive();
    }
  }

  private connectOnce(credentials: SocketCredentials, connected: { at: number | null }): Promise<SocketEnd> {
    if (this.signal.aborted) {
      // Ownership ended while the socket token was being fetched: an abort listener added now would never
      // fire, so the socket would outlive the lease (and stop() would wait for it forever).
      return Promise.resolve({ kind: 'stopped' });
    }
    const { settings } = this.deps;
    const socket = new RealtimeSocket(
      settings.centrifugoUrl,
      credentials.socketToken,
      donationChannel(credentials.userId),
      settings,
      {
        subscriptionToken: (clientId) =>
          this.api.subscriptionToken(clientId, donationChannel(credentials.userId)),
        subscribed: () => {
          connected.at = this.deps.clock.now();
          void this.subscribed();
        },
        alive: () => void this.markActive(false),
        push: (donation) => void this.ingest(donation),
      },
    );
    this.socket = socket;
    const onAbort = () => socket.close();
    this.signal.addEventListener('abort', onAbort, { once: true });
    return socket.ended.finally(() => this.signal.removeEventListener('abort', onAbort));
  }

  private async subscribed(): Promise<void> {
    RealtimeConnection.logger.log(`Connected streamer ${this.streamerId}`);
    await this.report('connected', null);
    await this.markActive(true);
    const resumed: PushResumed = { streamerId: this.streamerId, source: 'realtime' };
    await this.deps.events.emitAsync(PushEvents.resumed, resumed);
  }

  private async ingest(payload: unknown): Promise<void> {
    if (this.signal.aborted || !this.isOwner()) {
      // Another instance owns the streamer now and receives the same push; the key would drop it anyway.
      return;
    }
    const receivedAt = this.deps.clock.now();
    try {
      const donation = toIncomingDonation(payload as DonationAlertsDonation);
      this.deps.metrics.pushes.inc();
      await this.deps.ingestor.ingest({
        streamerId: this.streamerId,
        provider: 'donationalerts',
        channel: 'realtime',
        donations: [donation],
      });
      this.deps.metrics.pushToStored.observe((this.deps.clock.now() - receivedAt) / 1000);
      await this.deps.activity.pushed(this.streamerId, receivedAt);
    } catch (error) {
      // The poll finds it (the cursor does not move for pushes), so nothing is lost.
      RealtimeConnection.logger.warn(
        `Streamer ${this.streamerId}: pushed donation not stored (the next poll finds it): ${(error as Error).message}`,
      );
    }
  }

  private async waitBeforeReconnect(
    attempt: number,
    end: Exclude<SocketEnd, { kind: 'stopped' }>,
  ): Promise<void> {
    const { settings, metrics, activity } = this.deps;
    const delay = reconnectDelay(attempt, { minMs: settings.reconnectMinMs, maxMs: settings.reconnectMaxMs });
    const detail = end.kind === 'failed' ? end.error.message : end.detail;
    RealtimeConnection.logger.warn(
      `Streamer ${this.streamerId} reconnect in ${delay}ms (${end.kind}: ${detail})`,
    );
    metrics.reconnects.inc({ reason: end.kind });
    await activity.reconnected(this.streamerId);
    await this.report('reconnecting', `${end.kind}: ${detail}`);
    await sleep(delay, undefined, { signal: this.signal });
  }

  /** While subscribed the streamer counts as pushed to; refreshed on every sign of life, at most twice a ping. */
  private async markActive(force: boolean): Promise<void> {
    const now = this.deps.clock.now();
    const { pingMs, pongTimeoutMs } = this.deps.settings;
    if (!force && now - this.lastMarkAt < pingMs / 2) {
      return;
    }
    this.lastMarkAt = now;
    await this.deps.pushActivity.markActive(this.streamerId, 'realtime', now + pingMs + pongTimeoutMs);
  }

  private async markInactive(): Promise<void> {
    if (this.lastMarkAt === 0) {
      return;
    }
    this.lastMarkAt = 0;
    await this.deps.pushActivity.markActive(this.streamerId, 'realtime', this.deps.clock.now());
  }

  private async needsReauth(error: Error): Promise<void> {
    await this.deps.tokens.requireReauth('donationalerts', this.streamerId, error.message);
    await this.report('needs_reauth', error.message);
  }
}

function isReauth(error: unknown): boolean {
  return error instanceof ReauthRequiredError || error instanceof RefreshRejectedError;
}

function isAbort(error: unknown): boolean {
  return (error as Error)?.name === 'AbortError';
}
