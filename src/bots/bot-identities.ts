import { Injectable } from '@nestjs/common';
import { InjectConfig, type BotsConfig } from '../../config';
import { OAuthCredentialsRepository, OAuthTokenService } from '../oauth';
import { StreamersRepository } from '../streamers';
import { TwitchApiClient } from '../twitch';
import type { ChatIdentity } from './chat/chat-transport';

export const CHAT_EDIT_SCOPE = 'chat:edit';

/** Who a streamer's bot is in chat, and where it sits. */
export interface BotIdentity {
  identity: ChatIdentity;
  /** The streamer's channel (their login). */
  channel: string;
  /** The token may write in chat (`chat:edit`); without it the bot only reads. */
  canSpeak: boolean;
  /** The streamer whose Twitch credential the token is: the streamer, or the shared bot account. */
  tokenOwnerId: string;
}

/** The shared bot account is configured but nobody logged in as it yet. */
export class BotAccountMissingError extends Error {
  constructor(login: string) {
    super(`the bot account ${login} has not logged in on the site yet`);
    this.name = 'BotAccountMissingError';
  }
}

/**
 * Resolves a streamer's bot identity: the shared account TWITCH_BOT_LOGIN when set (its tokens, from its own
 * login on the site, serve every channel), else the streamer themself. Tokens come from the token service, so
 * they are refreshed like every other Twitch token.
 */
@Injectable()
export class BotIdentities {
  constructor(
    @InjectConfig('bots') private readonly settings: BotsConfig,
    private readonly streamers: StreamersRepository,
    private readonly credentials: OAuthCredentialsRepository,
    private readonly tokens: OAuthTokenService,
    private readonly twitch: TwitchApiClient,
  ) {}

  async resolve(streamerId: string): Promise<BotIdentity> {
    const streamer = await this.streamers.findById(streamerId);
    if (!streamer) {
      throw new Error(`streamer ${streamerId} does not exist`);
    }
    const speaker = this.settings.botLogin
      ? await this.streamers.findByLogin(this.settings.botLogin)
      : streamer;
    if (!speaker) {
      throw new BotAccountMissingError(this.settings.botLogin!);
    }
    const token = await this.tokens.accessToken(this.twitch, speaker.id);
    const credential = await this.credentials.find(speaker.id, 'twitch');
    return {
      identity: { login: speaker.login, token },
      channel: streamer.login,
      canSpeak: credential?.scopes.includes(CHAT_EDIT_SCOPE) ?? false,
      tokenOwnerId: speaker.id,
    };
  }

  /** After Twitch refused the token at login: a fresh one (refresh once), or ReauthRequiredError. */
  refreshed(identity: BotIdentity): Promise<string> {
    return this.tokens.refresh(this.twitch, identity.tokenOwnerId, identity.identity.token);
  }

  requireReauth(identity: BotIdentity, reason: string): Promise<void> {
    return this.tokens.requireReauth('twitch', identity.tokenOwnerId, reason);
  }
}
