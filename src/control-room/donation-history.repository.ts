import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type SelectQueryBuilder } from 'typeorm';
import { DonationModerationEntity } from '../alerts';
import { DonationEntity, type DonationChannel, type DonationProvider } from '../donations';

/** What the history shows of a donation's moderation: `shown` covers clean, masked and approved ones. */
export type HistoryStatus = 'shown' | 'hidden' | 'held' | 'rejected';

export interface HistoryItem {
  id: string;
  receivedAt: number;
  createdAt: number;
  donorName: string | null;
  amount: string;
  currency: string;
  /** As moderation left it: masked words masked, a hidden message null. */
  message: string | null;
  channel: DonationChannel;
  provider: DonationProvider;
  status: HistoryStatus;
}

export interface HistoryFilter {
  from?: number;
  to?: number;
  channel?: DonationChannel;
  minAmount?: number;
  q?: string;
}

/** Where a page starts: after the last row of the previous one, newest first. */
export interface HistoryPosition {
  receivedAt: number;
  id: string;
}

interface Row {
  id: string;
  received_at: string | number;
  created_at: string | number;
  donor_name: string | null;
  amount: string | number;
  currency: string;
  message: string | null;
  channel: DonationChannel;
  provider: DonationProvider;
  moderation_status: string | null;
  moderated_message: string | null;
  moderated_donor_name: string | null;
}

function statusOf(moderation: string | null): HistoryStatus {
  switch (moderation) {
    case 'hidden':
    case 'held':
    case 'rejected':
      return moderation;
    default:
      return 'shown';
  }
}

function itemOf(row: Row): HistoryItem {
  const masked = row.moderation_status === 'masked' || row.moderation_status === 'hidden';
  return {
    id: row.id,
    receivedAt: Number(row.received_at),
    createdAt: Number(row.created_at),
    donorName: masked ? row.moderated_donor_name : row.donor_name,
    amount: Number(row.amount).toFixed(2),
    currency: row.currency,
    message: masked ? row.moderated_message : row.message,
    channel: row.channel,
    provider: row.provider,
    status: statusOf(row.moderation_status),
  };
}

/** `%`, `_` and the escape character itself match only themselves in a LIKE pattern. */
function likePattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

/**
 * A streamer's donations newest first, one SQL query per page: keyset pagination on (received_at, id) over the
 * `ix_donations_streamer_received` index, so a donation arriving between two pages neither repeats nor skips a row.
 */
@Injectable()
export class DonationHistoryRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async page(
    streamerId: string,
    filter: HistoryFilter,
    after: HistoryPosition | null,
    limit: number,
  ): Promise<HistoryItem[]> {
    const rows = await this.query(streamerId, filter, after).limit(limit).getRawMany<Row>();
    return rows.map(itemOf);
  }

  /** The SQL of a page, for EXPLAIN in tests. */
  pageSql(streamerId: string, filter: HistoryFilter, after: HistoryPosition | null, limit: number) {
    return this.query(streamerId, filter, after).limit(limit).getQueryAndParameters();
  }

  private query(
    streamerId: string,
    filter: HistoryFilter,
    after: HistoryPosition | null,
  ): SelectQueryBuilder<DonationEntity> {
    const query = this.dataSource
      .getRepository(DonationEntity)
      .createQueryBuilder('d')
      .leftJoin(DonationModerationEntity, 'm', 'm.donation_id = d.id')
      .select([
        'd.id AS id',
        'd.received_at AS received_at',
        'd.created_at AS created_at',
        'd.donor_name AS donor_name',
        'd.amount AS amount',
        'd.currency AS currency',
        'd.message AS message',
        'd.channel AS channel',
        'd.provider AS provider',
        'm.status AS moderation_status',
        'm.message AS moderated_message',
        'm.donor_name AS moderated_donor_name',
      ])
      .where('d.streamer_id = :streamerId', { streamerId })
      .orderBy('d.received_at', 'DESC')
      .addOrderBy('d.id', 'DESC');
    if (after) {
      query.andWhere('(d.received_at < :afterAt OR (d.received_at = :afterAt AND d.id < :afterId))', {
        afterAt: after.receivedAt,
        afterId: after.id,
      });
    }
    if (filter.from !== undefined) {
      query.andWhere('d.received_at >= :from', { from: filter.from });
    }
    if (filter.to !== undefined) {
      query.andWhere('d.received_at < :to', { to: filter.to });
    }
    if (filter.channel) {
      query.andWhere('d.channel = :channel', { channel: filter.channel });
    }
    if (filter.minAmount !== undefined) {
      query.andWhere('d.amount >= :minAmount', { minAmount: filter.minAmount });
    }
    if (filter.q) {
      query.andWhere(`lower(d.donor_name) LIKE :q ESCAPE '\\'`, { q: likePattern(filter.q) });
    }
    return query;
  }
}
