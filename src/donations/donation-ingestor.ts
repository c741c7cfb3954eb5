import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { Clock } from '../../libs/clock';
import { dialectOf, inTransaction, positional, queryRows } from '../../libs/database';
import { DonationAnnouncer } from './donation-announcer';
import { DonationCursorsRepository } from './donation-cursors.repository';
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

const INSERT_IGNORING_DUPLICATES = `
  INSERT INTO donations (id, streamer_id, provider, external_id, channel, donor_name, amount, currency, message,
                         created_at, received_at, announced_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)
  ON CONFLICT (streamer_id, provider, external_id) DO NOTHING
  RETURNING id`;

/**
 * The one way donations enter the system, whatever channel brought them. In one transaction it inserts them
 * keyed by (streamer, provider, external id), ignoring ones already stored, and (for the poller) moves the
 * cursor; after commit it announces the newly stored ones, oldest first.
 */
@Injectable()
export class DonationIngestor {
  private readonly logger = new Logger(DonationIngestor.name);
  private readonly insertSql: string;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly cursors: DonationCursorsRepository,
    private readonly announcer: DonationAnnouncer,
    private readonly clock: Clock,
  ) {
    this.insertSql = positional(dialectOf(dataSource), INSERT_IGNORING_DUPLICATES);
  }

  /** Returns the donations stored by this call (duplicates excluded), oldest first. */
  async ingest(request: IngestRequest): Promise<Donation[]> {
    const ordered = [...request.donations].sort(oldestFirst);
    const stored = await inTransaction(this.dataSource, async (manager) => {
      const fresh = await this.insertNew(manager, request, ordered);
      if (request.cursor) {
        const { lastDonationId, fencingToken } = request.cursor;
        if (!(await this.cursors.advance(request.streamerId, lastDonationId, fencingToken, manager))) {
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

  private async insertNew(
    manager: EntityManager,
    request: IngestRequest,
    ordered: IncomingDonation[],
  ): Promise<Donation[]> {
    const receivedAt = this.clock.now();
    const stored: Donation[] = [];
    for (const donation of ordered) {
      const id = randomUUID();
      const rows = await queryRows(manager, this.insertSql, [
        id,
        request.streamerId,
        request.provider,
        donation.externalId,
        request.channel,
        donation.donorName,
        donation.amount,
        donation.currency,
        donation.message,
        donation.createdAt,
        receivedAt,
      ]);
      if (rows.length > 0) {
        stored.push({
          ...donation,
          id,
          streamerId: request.streamerId,
          provider: request.provider,
          channel: request.channel,
          receivedAt,
        });
      }
    }
    return stored;
  }
}
