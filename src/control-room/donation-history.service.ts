import { Injectable } from '@nestjs/common';
import {
  DonationHistoryRepository,
  type HistoryFilter,
  type HistoryItem,
  type HistoryPosition,
} from './donation-history.repository';
import { HISTORY_PAGE_SIZE } from './history-query.dto';

/** Rows per query while exporting: big enough to be quick, small enough that memory stays flat. */
const EXPORT_PAGE = 1000;

export function encodeCursor({ receivedAt, id }: HistoryPosition): string {
  return `${receivedAt}~${id}`;
}

/** The position a cursor names; the DTO has checked its shape. */
export function decodeCursor(cursor: string): HistoryPosition {
  const [receivedAt, id] = cursor.split('~');
  return { receivedAt: Number(receivedAt), id };
}

@Injectable()
export class DonationHistoryService {
  constructor(private readonly history: DonationHistoryRepository) {}

  async page(
    streamerId: string,
    filter: HistoryFilter,
    cursor: string | undefined,
    limit: number = HISTORY_PAGE_SIZE.default,
  ): Promise<{ items: HistoryItem[]; nextCursor: string | null }> {
    // One more than asked tells whether a next page exists, without a COUNT.
    const rows = await this.history.page(streamerId, filter, cursor ? decodeCursor(cursor) : null, limit + 1);
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
  }

  /** Every row of the filtered history, newest first, a page at a time. */
  async *all(streamerId: string, filter: HistoryFilter): AsyncGenerator<HistoryItem[]> {
    let after: HistoryPosition | null = null;
    for (;;) {
      const rows = await this.history.page(streamerId, filter, after, EXPORT_PAGE);
      if (rows.length > 0) {
        yield rows;
      }
      if (rows.length < EXPORT_PAGE) {
        return;
      }
      after = rows[rows.length - 1];
    }
  }
}
