import { Injectable } from '@nestjs/common';
import { InjectConfig, type BotsConfig } from '../../config';
import { OAuthCredentialsRepository } from '../oauth';
import { requireKnownStreamer, StreamersRepository } from '../streamers';
import { BotCountersStore } from './bot-counters.store';
import { CHAT_EDIT_SCOPE } from './bot-identities';
import { DEFAULT_THANKS_TEMPLATE } from './bot-template';
import { BotsRepository, type BotSettings } from './bots.repository';
import { BotsService } from './bots.service';

/**
 * Where the bot is: a running bot's status (BotStatus), or why none runs: `off` (BOTS_ENABLED=false),
 * `disabled` (the streamer switched it off), `starting` (wanted, not claimed yet).
 */
export type BotViewStatus = string;

/** The dashboard card's data (`GET /api/bot`). */
export interface BotView extends Omit<BotSettings, 'updatedAt'> {
  defaultTemplate: string;
  status: BotViewStatus;
  owner: string | null;
  since: number | null;
  lastError: string | null;
  /** The bot's token may write in chat; false: it only reads, and the card offers to grant chat:edit. */
  canSpeak: boolean;
  /** Who the bot speaks as: the shared bot account, or the streamer. */
  speaksAs: string;
}

/** One bot in the admin list (`GET /api/bots`). */
export interface BotSummary {
  streamerId: string;
  login: string;
  status: string;
  owner: string | null;
  since: number | null;
  lastError: string | null;
  messagesSent: number;
  reconnects: number;
}

@Injectable()
export class BotViews {
  constructor(
    @InjectConfig('bots') private readonly settings: BotsConfig,
    private readonly bots: BotsService,
    private readonly repository: BotsRepository,
    private readonly streamers: StreamersRepository,
    private readonly credentials: OAuthCredentialsRepository,
    private readonly counters: BotCountersStore,
  ) {}

  /** The card of an existing streamer (404 otherwise). */
  async forStreamer(streamerId: string): Promise<BotView> {
    const streamer = await requireKnownStreamer(this.streamers, streamerId);
    const [settings, state] = await Promise.all([
      this.repository.settings(streamerId),
      this.bots.state(streamerId),
    ]);
    const speaker = this.settings.botLogin
      ? await this.streamers.findByLogin(this.settings.botLogin)
      : streamer;
    const credential = speaker ? await this.credentials.find(speaker.id, 'twitch') : null;
    return {
      enabled: settings.enabled,
      template: settings.template,
      thankTestAlerts: settings.thankTestAlerts,
      defaultTemplate: DEFAULT_THANKS_TEMPLATE,
      status: !this.settings.enabled
        ? 'off'
        : !settings.enabled
          ? 'disabled'
          : state?.owner
            ? state.status
            : streamer.status === 'needs_reauth'
              ? 'needs_reauth'
              : 'starting',
      owner: state?.owner ?? null,
      since: state?.since ?? null,
      lastError: state?.lastError ?? null,
      canSpeak: credential?.scopes.includes(CHAT_EDIT_SCOPE) ?? false,
      speaksAs: this.settings.botLogin ?? streamer.login,
    };
  }

  async all(): Promise<BotSummary[]> {
    const states = (await this.bots.states()).filter((state) => state.owner !== null);
    const counters = await this.counters.read(states.map(({ key }) => key));
    const streamers = await Promise.all(states.map(({ key }) => this.streamers.findById(key)));
    return states.map((state, index) => ({
      streamerId: state.key,
      login: streamers[index]?.login ?? '',
      status: state.status,
      owner: state.owner,
      since: state.since,
      lastError: state.lastError,
      ...counters.get(state.key)!,
    }));
  }
}
