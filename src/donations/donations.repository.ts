import type { Transaction } from '../../libs/database';
import type { Donation, IncomingDonation } from './donation';
import type { DonationChannel, DonationProvider } from './entities/donation.entity';

/** Where they came from: with the streamer, what every donation of one ingest shares. */
export interface DonationOrigin {
  streamerId: string;
  provider: DonationProvider;
  channel: DonationChannel;
}

export abstract class DonationsRepository {
  /**
   * Inserts the donations in order inside `tx`, keyed by (streamer, provider, external id), skipping the ones
   * already stored. Returns the newly stored ones, in the given order.
   */
  abstract insertNew(
    tx: Transaction,
    origin: DonationOrigin,
    donations: IncomingDonation[],
    receivedAt: number,
  ): Promise<Donation[]>;
  abstract markAnnounced(ids: string[], at: number): Promise<void>;
  /** Stored before `receivedBefore` and never announced, oldest first. */
  abstract findUnannounced(receivedBefore: number, limit: number): Promise<Donation[]>;
  /** The streamer's donations stored at or after `receivedSince`, oldest first. */
  abstract findReceivedSince(streamerId: string, receivedSince: number, limit: number): Promise<Donation[]>;
  /** The streamer's donations among `ids` (the others are left out), in no particular order. */
  abstract findOfStreamer(streamerId: string, ids: string[]): Promise<Donation[]>;
}
