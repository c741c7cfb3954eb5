import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, In, IsNull, LessThan, MoreThanOrEqual } from 'typeorm';
import { dialectOf, entityManagerOf, positional, queryRows, type Transaction } from '../../libs/database';
import type { Donation, IncomingDonation } from './donation';
import { DonationsRepository, type DonationOrigin } from './donations.repository';
import { DonationEntity } from './entities/donation.entity';

const INSERT_IGNORING_DUPLICATES = `
  INSERT INTO donations (id, streamer_id, provider, external_id, channel, donor_name, amount, currency, message,
                         created_at, received_at, announced_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)
  ON CONFLICT (streamer_id, provider, external_id) DO NOTHING
  RETURNING id`;

/** A stored row as the rest of the app sees it: whether it was announced is this repository's business. */
function donationOf({ announcedAt: _announcedAt, ...donation }: DonationEntity): Donation {
  return donation;
}

@Injectable()
export class TypeOrmDonationsRepository extends DonationsRepository {
  private readonly insertSql: string;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    super();
    this.insertSql = positional(dialectOf(dataSource), INSERT_IGNORING_DUPLICATES);
  }

  async insertNew(
    tx: Transaction,
    origin: DonationOrigin,
    donations: IncomingDonation[],
    receivedAt: number,
  ): Promise<Donation[]> {
    const manager = entityManagerOf(this.dataSource, tx);
    const stored: Donation[] = [];
    for (const donation of donations) {
      const id = randomUUID();
      const rows = await queryRows(manager, this.insertSql, [
        id,
        origin.streamerId,
        origin.provider,
        donation.externalId,
        origin.channel,
        donation.donorName,
        donation.amount,
        donation.currency,
        donation.message,
        donation.createdAt,
        receivedAt,
      ]);
      if (rows.length > 0) {
        stored.push({ ...donation, ...origin, id, receivedAt });
      }
    }
    return stored;
  }

  async markAnnounced(ids: string[], at: number): Promise<void> {
    await this.dataSource.getRepository(DonationEntity).update({ id: In(ids) }, { announcedAt: at });
  }

  async findUnannounced(receivedBefore: number, limit: number): Promise<Donation[]> {
    const pending = await this.dataSource.getRepository(DonationEntity).find({
      where: { announcedAt: IsNull(), receivedAt: LessThan(receivedBefore) },
      order: { receivedAt: 'ASC', createdAt: 'ASC' },
      take: limit,
    });
    return pending.map(donationOf);
  }

  async findReceivedSince(streamerId: string, receivedSince: number, limit: number): Promise<Donation[]> {
    const recent = await this.dataSource.getRepository(DonationEntity).find({
      where: { streamerId, receivedAt: MoreThanOrEqual(receivedSince) },
      order: { receivedAt: 'ASC', createdAt: 'ASC' },
      take: limit,
    });
    return recent.map(donationOf);
  }

  async findOfStreamer(streamerId: string, ids: string[]): Promise<Donation[]> {
    if (ids.length === 0) {
      return [];
    }
    const found = await this.dataSource.getRepository(DonationEntity).findBy({ streamerId, id: In(ids) });
    return found.map(({ announcedAt: _announcedAt, ...donation }) => donation);
  }
}
