import { Logger } from '@nestjs/common';
import type { EventEmitter2 } from '@nestjs/event-emitter';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BotsConfig } from '../../config';
import type { Clock } from '../../libs/clock';
import type { KeyWorker, OwnedWork } from '../../libs/ownership';
import { reconnectDelay } from '../../libs/retry';
import { isShown, type ModerationService } from '../alerts';
import { ChatEvents, type ViewerMessage } from '../common';
import type { Donation, DonationsRepository } from '../donations';
import { ReauthRequiredError } from '../oauth';
import type { BotCountersStore } from './bot-counters.store';
import type { BotIdentities, BotIdentity } from './bot-identities';
import { BotSendQueue, type OutgoingLine } from './bot-send-queue';
import { fillTemplate, mergedThanks } from './bot-template';
import type { BotsMetrics } from './bots.metrics';
import type { BotSettings, BotsRepository } from './bots.repository';
import type { ChatLimits } from './chat-limits';
import type { ChatDisconnect, ChatLine, ChatTransport, ChatTransportFactory } from './chat/chat-transport';
import type { DonationPageLinks } from './donation-page-links';

export const BotStatus = {
  connecting: 'connecting',
  connected: 'connected',
  /** Connected and reading, but the token may not write in chat (no `chat:edit`). */
  readOnly: 'needs_permission',
  reconnecting: 'reconnecting',
  needsReauth: 'needs_reauth',
  error: 'error',
} as const;
export type BotStatus = (typeof BotStatus)[keyof typeof BotStatus];

export const DONATE_COMMANDS = ['!donate', '!донат'];
/** Catch-up reads at most this many recent donations per (re)connect. */
const CATCHUP_LIMIT = 200;

export interface BotDeps {
  settings: BotsConfig;
  repository: BotsRepository;
  donations: DonationsRepository;
  moderation: ModerationService;
  identities: BotIdentities;
  transports: ChatTransportFactory;
  limits: ChatLimits;
  links: DonationPageLinks;
  counters: BotCountersStore;
  events: EventEmitter2;
  metrics: BotsMetrics;
  clock: Clock;
}

interface ConnectionOutcome {
  /** The bot cannot go on (the identity needs a new login): end the worker. */
  stop: boolean;
  reason: string;
  /** Reconnect at once (a restart was asked for), without the backoff. */
  now?: boolean;
}

/** A line's text once claimed, and the donations this bot claimed for it. */
interface Claim {
  text: string;
  donationIds: string[];
}

type Report = (status: BotStatus, lastError?: string | null) => Promise<boolean>;

/**
 * One streamer's chat bot on the instance that owns it: connects as its identity, joins the channel, thanks
 * donors from a budgeted queue (each donation claimed in the database before its line goes out, and only while
 * this instance still owns the bot, so a paused ex-owner never posts), answers `!donate`, and announces viewers'
 * lines. Reconnects with backoff; ends (for the watchdog to judge) only when it cannot go on.
 */
export class BotWorker implements KeyWorker {
  readonly finished: Promise<void>;
  private readonly logger = new Logger('Bots');
  private readonly queue: BotSendQueue;
  private transport?: ChatTransport;
  private bot?: BotIdentity;
  private isMod = false;
  private lastDonateAnswerAt = -Infinity;
  private wake?: () => void;
  private reconnectNow?: () => void;
  private stopping = false;

  constructor(
    private readonly work: OwnedWork,
    private readonly deps: BotDeps,
    private readonly report: Report,
  ) {
    this.queue = new BotSendQueue(deps.settings.queueMax);
    this.finished = this.run();
  }

  get streamerId(): string {
    return this.work.key;
  }

  get queueDepth(): number {
    return this.queue.size;
  }

  /**
   * A stored donation of this streamer (from any instance): queue its thank-you unless it should not get one.
   * `settings` when the caller has just read them (catch-up), else they are read now.
   */
  async thank(donation: Donation, known?: BotSettings): Promise<void> {
    const settings = known ?? (await this.deps.repository.settings(this.streamerId));
    if (!settings.enabled || (donation.provider === 'test' && !settings.thankTestAlerts)) {
      return;
    }
    // The bot says what the overlay shows: masked words masked, a hidden message left out, a held one not yet.
    const verdict = await this.deps.moderation.verdictFor(donation);
    if (!isShown(verdict.status)) {
      return;
    }
    const shown = { ...donation, donorName: verdict.donorName, message: verdict.message };
    if (this.queue.thank(shown, settings.template)) {
      this.wake?.();
    }
  }

  /** Drops the connection and connects again at once (admin restart). */
  restart(): void {
    this.reconnectNow?.();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.reconnectNow?.();
    await this.transport?.close();
    await this.finished.catch(() => undefined);
  }

  private async run(): Promise<void> {
    const { signal } = this.work;
    let attempt = 0;
    while (!signal.aborted && !this.stopping) {
      const startedAt = this.deps.clock.now();
      const outcome = await this.connectOnce().catch((error: Error): ConnectionOutcome => ({
        stop: false,
        reason: error.message,
      }));
      if (signal.aborted || this.stopping) {
        break;
      }
      if (outcome.stop) {
        // Kept (not ended) so its status stays on record until the watchdog lets the bot go, or a new login
        // (reconnect) tries again.
        await this.idle();
        attempt = 0;
        continue;
      }
      // A connection that stayed up a while starts the backoff over; a flapping one keeps it growing.
      attempt = this.deps.clock.now() - startedAt >= this.deps.settings.reconnectMaxMs ? 1 : attempt + 1;
      const delay = outcome.now
        ? 0
        : reconnectDelay(attempt, {
            minMs: this.deps.settings.reconnectMinMs,
            maxMs: this.deps.settings.reconnectMaxMs,
          });
      this.logger.warn(`Bot of streamer ${this.streamerId} reconnect in ${delay}ms (${outcome.reason})`);
      this.deps.metrics.reconnects.inc();
      await this.deps.counters.add(this.streamerId, 'reconnects').catch(() => undefined);
      await this.report(BotStatus.reconnecting, outcome.reason);
      await sleep(delay, undefined, { signal }).catch(() => undefined);
    }
    await this.transport?.close();
  }

  /** Waits for a reconnect request, the end of ownership, or stop(). */
  private idle(): Promise<void> {
    return new Promise((resolve) => {
      this.reconnectNow = resolve;
      this.work.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  }

  /** One connection, from login to its end; `stop` when the bot cannot go on (needs a new login). */
  private async connectOnce(): Promise<ConnectionOutcome> {
    const { signal } = this.work;
    await this.report(BotStatus.connecting);
    let bot: BotIdentity;
    try {
      bot = await this.deps.identities.resolve(this.streamerId);
    } catch (error) {
      return this.failed(error as Error);
    }
    await this.deps.limits.join(bot.identity.login, signal);
    const transport = this.deps.transports.create();
    this.transport = transport;
    let result = await transport.connect(bot.identity);
    if (!result.ok && result.reason === 'auth') {
      try {
        bot = { ...bot, identity: { ...bot.identity, token: await this.deps.identities.refreshed(bot) } };
      } catch (error) {
        return this.failed(error as Error);
      }
      await transport.close();
      const retry = this.deps.transports.create();
      this.transport = retry;
      result = await retry.connect(bot.identity);
      if (!result.ok && result.reason === 'auth') {
        await this.deps.identities.requireReauth(bot, `Twitch chat refused the login: ${result.detail}`);
        await this.report(BotStatus.needsReauth, 'Twitch chat refused the login');
        return { stop: true, reason: 'auth' };
      }
    }
    const connection = this.transport;
    if (!result.ok) {
      return { stop: false, reason: `${result.reason}: ${result.detail}` };
    }
    if (signal.aborted) {
      return { stop: true, reason: 'aborted' };
    }
    this.bot = bot;
    const ended = new Promise<ChatDisconnect>((resolve) => {
      connection.on('disconnected', resolve);
      this.reconnectNow = () => resolve({ reason: 'closed', detail: 'restart requested' });
      signal.addEventListener('abort', () => resolve({ reason: 'closed', detail: 'no longer the owner' }), {
        once: true,
      });
    });
    connection.on('message', (line) => this.onLine(line));
    connection.on('userstate', (state) => {
      if (state.channel === bot.channel) {
        this.isMod = state.isMod || state.isBroadcaster;
      }
    });
    if (!(await connection.join(bot.channel))) {
      await connection.close();
      return { stop: false, reason: `join of #${bot.channel} not confirmed` };
    }
    this.logger.log(`Connected streamer ${this.streamerId} bot as ${bot.identity.login} in #${bot.channel}`);
    await this.report(bot.canSpeak ? BotStatus.connected : BotStatus.readOnly, null);
    void this.catchUp();
    const sending = this.sendLoop(connection, bot, ended);
    const disconnect = await ended;
    this.reconnectNow = undefined;
    this.wake?.();
    await sending;
    await connection.close();
    return {
      stop: false,
      reason: `${disconnect.reason}: ${disconnect.detail}`,
      now: disconnect.detail === 'restart requested',
    };
  }

  private async failed(error: Error): Promise<ConnectionOutcome> {
    if (error instanceof ReauthRequiredError) {
      await this.report(BotStatus.needsReauth, error.message);
      return { stop: true, reason: 'needs reauth' };
    }
    await this.report(BotStatus.error, error.message);
    return { stop: false, reason: error.message };
  }

  /** Thanks donations stored while nobody ran this bot (a failover gap, a restart) that nobody thanked. */
  private async catchUp(): Promise<void> {
    try {
      const settings = await this.deps.repository.settings(this.streamerId);
      const since = Math.max(this.deps.clock.now() - this.deps.settings.catchupMs, settings.updatedAt ?? 0);
      const recent = await this.deps.donations.findReceivedSince(this.streamerId, since, CATCHUP_LIMIT);
      const thanked = new Set(await this.deps.repository.thanked(recent.map(({ id }) => id)));
      for (const donation of recent.filter(({ id }) => !thanked.has(id))) {
        await this.thank(donation, settings);
      }
    } catch (error) {
      this.logger.warn(
        `Catch-up of streamer ${this.streamerId}'s thank-yous failed: ${(error as Error).message}`,
      );
    }
  }

  private onLine(line: ChatLine): void {
    const bot = this.bot;
    if (!bot || line.channel !== bot.channel || line.user.login === bot.identity.login) {
      return;
    }
    const message: ViewerMessage = {
      streamerId: this.streamerId,
      userId: line.user.id,
      login: line.user.login,
      displayName: line.user.displayName,
      text: line.text,
      sentAt: Number(line.tags['tmi-sent-ts']) || this.deps.clock.now(),
    };
    this.deps.events.emit(ChatEvents.viewerMessage, message);
    const command = line.text.trim().split(/\s+/, 1)[0]?.toLowerCase();
    if (command && DONATE_COMMANDS.includes(command)) {
      void this.answerDonate();
    }
  }

  private async answerDonate(): Promise<void> {
    const now = this.deps.clock.now();
    if (now - this.lastDonateAnswerAt < this.deps.settings.donateCooldownMs) {
      return;
    }
    this.lastDonateAnswerAt = now;
    try {
      const link = await this.deps.links.link(this.streamerId);
      if (link && this.queue.answer(`Поддержать стрим: ${link}`)) {
        this.wake?.();
      }
    } catch (error) {
      this.logger.warn(`!donate for streamer ${this.streamerId} failed: ${(error as Error).message}`);
    }
  }

  /** Sends queued lines within the identity's budget until the connection ends. */
  private async sendLoop(
    connection: ChatTransport,
    bot: BotIdentity,
    ended: Promise<unknown>,
  ): Promise<void> {
    let over = false;
    void ended.then(() => (over = true));
    const { signal } = this.work;
    while (!over && !signal.aborted) {
      if (this.queue.size === 0 || !bot.canSpeak) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        continue;
      }
      try {
        await this.deps.limits.message(bot.identity.login, this.isMod, signal);
      } catch {
        return;
      }
      if (over || !this.work.isOwner()) {
        return;
      }
      // Taken off the queue only now: thank-yous that arrived during the wait merged into it, and none can merge
      // into it (and be lost with it) while it is claimed and sent.
      const line = this.queue.take();
      if (!line) {
        continue;
      }
      if (await this.sendLine(connection, bot, line, () => over)) {
        this.queue.done(line);
      } else {
        this.queue.putBack(line);
      }
    }
  }

  /**
   * Claims the line's donations and sends it. True when it is finished with (sent, or every donation in it was
   * thanked elsewhere); false when it did not go out, with its claims released so it can be sent again (by this
   * bot's next connection, or the next owner's catch-up).
   */
  private async sendLine(
    connection: ChatTransport,
    bot: BotIdentity,
    line: OutgoingLine,
    over: () => boolean,
  ): Promise<boolean> {
    let claim: Claim | null;
    try {
      claim = await this.claim(line);
    } catch (error) {
      this.logger.warn(
        `Streamer ${this.streamerId}'s bot could not claim a line: ${(error as Error).message}`,
      );
      return false;
    }
    if (claim === null) {
      return true;
    }
    if (this.work.isOwner() && !over() && (await connection.send(bot.channel, claim.text))) {
      this.deps.metrics.messagesSent.inc({ kind: line.kind === 'thanks' ? 'thanks' : 'command' });
      await this.deps.counters.add(this.streamerId, 'messagesSent').catch(() => undefined);
      return true;
    }
    await this.deps.repository
      .releaseThanks(this.streamerId, claim.donationIds, this.work.epoch)
      .catch((error: Error) =>
        this.logger.warn(`Streamer ${this.streamerId}'s unsent thank-yous stay claimed: ${error.message}`),
      );
    return false;
  }

  /**
   * The text to send for `line` once its donations are claimed: only the donations this call claimed are
   * thanked (another instance may have thanked some); null when none is left.
   */
  private async claim(line: OutgoingLine): Promise<Claim | null> {
    if (line.kind === 'command') {
      return { text: line.text, donationIds: [] };
    }
    const ids = line.donations.map(({ id }) => id);
    const mine = new Set(
      await this.deps.repository.claimThanks(this.streamerId, ids, this.work.epoch, this.deps.clock.now()),
    );
    const left = line.donations.filter(({ id }) => mine.has(id));
    const donationIds = left.map(({ id }) => id);
    if (left.length === 0) {
      return null;
    }
    if (left.length === ids.length) {
      return { text: line.text, donationIds };
    }
    if (left.length > 1) {
      return { text: mergedThanks(left), donationIds };
    }
    const settings = await this.deps.repository.settings(this.streamerId);
    return { text: fillTemplate(settings.template, left[0]), donationIds };
  }
}
