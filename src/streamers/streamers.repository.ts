import type { StreamerEntity, StreamerStatus } from './entities/streamer.entity';

export interface StreamerSummary {
  id: string;
  twitchId: string;
  login: string;
  displayName: string;
  status: StreamerStatus;
  donationCount: number;
  lastDonationAt: number | null;
}

export interface NewStreamer {
  twitchId: string;
  login: string;
  displayName: string;
  avatarUrl?: string | null;
  status?: StreamerStatus;
}

/** What Twitch says about the streamer at each login. */
export interface TwitchIdentity {
  twitchId: string;
  login: string;
  displayName: string;
  avatarUrl: string | null;
}

export abstract class StreamersRepository {
  abstract create(streamer: NewStreamer): Promise<StreamerEntity>;
  abstract findById(id: string): Promise<StreamerEntity | null>;
  abstract findByOverlayToken(token: string): Promise<StreamerEntity | null>;
  /** By Twitch login, case-insensitively (logins are lower case). */
  abstract findByLogin(login: string): Promise<StreamerEntity | null>;
  /** Gives the streamer a fresh overlay token and returns it; the old one stops matching at once. */
  abstract rotateOverlayToken(id: string): Promise<string>;
  /**
   * The streamer with this Twitch id, created on first login (with a fresh overlay token) and otherwise updated
   * with the current identity and made active again. Safe against two logins racing.
   */
  abstract upsertFromTwitch(identity: TwitchIdentity): Promise<StreamerEntity>;
  abstract setStatus(id: string, status: StreamerStatus): Promise<void>;
  /** Every streamer with donation totals (test alerts excluded), in one SQL query. */
  abstract listWithDonationStats(): Promise<StreamerSummary[]>;
}
