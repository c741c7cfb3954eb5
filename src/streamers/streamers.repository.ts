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
  status?: StreamerStatus;
}

export abstract class StreamersRepository {
  abstract create(streamer: NewStreamer): Promise<StreamerEntity>;
  abstract findById(id: string): Promise<StreamerEntity | null>;
  /** Every streamer with donation totals (test alerts excluded), in one SQL query. */
  abstract listWithDonationStats(): Promise<StreamerSummary[]>;
}
