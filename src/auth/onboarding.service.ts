import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { DonationAlertsOAuthClient } from '../donation-alerts';
import { DonationCursorsRepository } from '../donations';
import { OAuthCredentialsRepository, type TokenSet } from '../oauth';
import type { StreamerEntity } from '../streamers';
import { OnboardingEvents } from '../streamers';
import { StreamersRepository } from '../streamers';
import type { TwitchUser } from '../twitch';

export class DonationAlertsAccountTakenError extends Error {
  constructor() {
    super('This DonationAlerts account is already connected to another Twitch channel');
    this.name = 'DonationAlertsAccountTakenError';
  }
}

/** What happens when a streamer logs in with Twitch or connects DonationAlerts. */
@Injectable()
export class OnboardingService {
  private readonly logger = new Logger(OnboardingService.name);

  constructor(
    private readonly streamers: StreamersRepository,
    private readonly credentials: OAuthCredentialsRepository,
    private readonly donationAlerts: DonationAlertsOAuthClient,
    private readonly events: EventEmitter2,
    private readonly cursors: DonationCursorsRepository,
  ) {}

  /** Creates or updates the streamer and stores the Twitch tokens (encrypted). */
  async completeTwitchLogin(user: TwitchUser, tokens: TokenSet, scopes: string[]): Promise<StreamerEntity> {
    const streamer = await this.streamers.upsertFromTwitch({
      twitchId: user.id,
      login: user.login,
      displayName: user.display_name || user.login,
      avatarUrl: user.profile_image_url || null,
    });
    await this.credentials.save({
      streamerId: streamer.id,
      provider: 'twitch',
      accountId: user.id,
      ...tokens,
      scopes,
    });
    this.logger.log(`Streamer ${streamer.id} (twitch ${user.login}) logged in`);
    await this.events.emitAsync(OnboardingEvents.twitchLoggedIn, streamer.id);
    return streamer;
  }

  /** Exchanges the authorization code, reads the DonationAlerts account and stores it for the streamer. */
  async connectDonationAlerts(streamerId: string, code: string, redirectUri: string): Promise<void> {
    const tokens = await this.donationAlerts.exchangeCode(code, redirectUri);
    const account = await this.donationAlerts.currentUser(tokens.accessToken);
    const accountId = String(account.id);
    const owner = await this.credentials.findOwner('donationalerts', accountId);
    if (owner !== null && owner !== streamerId) {
      throw new DonationAlertsAccountTakenError();
    }
    const previous = await this.credentials.find(streamerId, 'donationalerts');
    if (previous && previous.accountId !== accountId) {
      // Another account's donation ids mean nothing here: start at its newest donation, replaying nothing.
      await this.cursors.remove(streamerId);
    }
    try {
      await this.credentials.save({
        streamerId,
        provider: 'donationalerts',
        accountId,
        ...tokens,
        scopes: tokens.scopes ?? [],
      });
    } catch (error) {
      // Another streamer connected the same account at the same moment: the unique index decided.
      const winner = await this.credentials.findOwner('donationalerts', accountId);
      if (winner !== null && winner !== streamerId) {
        throw new DonationAlertsAccountTakenError();
      }
      throw error;
    }
    this.logger.log(`Streamer ${streamerId} connected DonationAlerts account ${accountId}`);
    await this.events.emitAsync(OnboardingEvents.donationAlertsConnected, streamerId);
  }

  async disconnectDonationAlerts(streamerId: string): Promise<void> {
    await this.credentials.remove(streamerId, 'donationalerts');
    // Connecting again starts at the newest donation instead of alerting everything given meanwhile.
    await this.cursors.remove(streamerId);
    this.logger.log(`Streamer ${streamerId} disconnected DonationAlerts`);
    await this.events.emitAsync(OnboardingEvents.donationAlertsDisconnected, streamerId);
  }
}
