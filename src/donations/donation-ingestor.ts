import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../../libs/clock';
import { Transactions } from '../../libs/database';
import { DonationAnnouncer } from './donation-announcer';
import { DonationCursorsRepository } from './donation-cursors.repository';
import { DonationsRepository } from './donations.repository';
import { oldestFirst, type Donation, type IncomingDonation } from './donation';
import type { DonationChannel, DonationProvider } from './entities/donation.entity';

/** A poll whose lock was taken over meanwhile: nothing it read is stored by it, the new holder reads again. */
export class StaleLeaseError extends Error {
  constructor(streamerId: string, fencingToken: number) {
    super(`Cursor of streamer ${streamerId} is held by a newer lease than token ${fencingToken}`);
    this.name = 'StaleLeaseError';
  }
}

export interface IngestRequest {
  streamerId: string;
  provider: DonationProvider;
  channel: DonationChannel;
  donations: IncomingDonation[];
  /** The poller only: move the streamer's cursor to `lastDonationId`, fenced by the poll lock's token. */
  cursor?: { lastDonationId: number; fencingToken: number };
}

/**
 * The one way donations enter the system, whatever channel brought them. In one transaction it inserts them
 * keyed by (streamer, provider, external id), ignoring ones already stored, and (for the poller) moves the
 * cursor; after commit it announces the newly stored ones, oldest first.
 */
@Injectable()
export class DonationIngestor {
  private readonly logger = new Logger(DonationIngestor.name);

  constructor(
    private readonly transactions: Transactions,
    private readonly donations: DonationsRepository,
    private readonly cursors: DonationCursorsRepository,
    private readonly announcer: DonationAnnouncer,
    private readonly clock: Clock,
  ) {}

  /** Returns the donations stored by this call (duplicates excluded), oldest first. */
  async ingest(request: IngestRequest): Promise<Donation[]> {
    const ordered = [...request.donations].sort(oldestFirst);
    const { streamerId, provider, channel } = request;
    const stored = await this.transactions.run(async (tx) => {
      const fresh = await this.donations.insertNew(
        tx,
        { streamerId, provider, channel },
        ordered,
        this.clock.now(),
      );
      if (request.cursor) {
        const { lastDonationId, fencingToken } = request.cursor;
        if (!(await this.cursors.advance(request.streamerId, lastDonationId, fencingToken, tx))) {
          throw new StaleLeaseError(request.streamerId, fencingToken);
        }
      }
      return fresh;
    });
    if (stored.length > 0) {
      this.logger.log(
        `Stored ${stored.length} new donation(s) for streamer ${request.streamerId} via ${request.channel}` +
          (stored.length < ordered.length ? ` (${ordered.length - stored.length} already known)` : ''),
      );
      await this.announcer.announce(stored);
    }
    return stored;
  }
}
