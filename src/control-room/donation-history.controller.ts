import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { once } from 'node:events';
import { CurrentStreamer, StreamerSession } from '../sessions';
import { requireKnownStreamer, StreamersRepository } from '../streamers';
import { csvLine, UTF8_BOM } from './csv';
import type { HistoryItem } from './donation-history.repository';
import { DonationHistoryService } from './donation-history.service';
import { HistoryFilterDto, HistoryPageDto } from './history-query.dto';

const CSV_HEADER = [
  'received_at',
  'created_at',
  'donor',
  'amount',
  'currency',
  'message',
  'channel',
  'status',
];

function csvRow(item: HistoryItem): string {
  return csvLine([
    new Date(item.receivedAt).toISOString(),
    new Date(item.createdAt).toISOString(),
    item.donorName,
    item.amount,
    item.currency,
    item.message,
    item.channel,
    item.status,
  ]);
}

function filterOf({ from, to, channel, minAmount, q }: HistoryFilterDto) {
  return { from, to, channel, minAmount, q };
}

/** The dashboard's «Донаты»: the logged-in streamer's donation history and its CSV export. */
@ApiTags('donations')
@Controller('api/donations')
@StreamerSession()
export class DonationHistoryController {
  constructor(
    private readonly history: DonationHistoryService,
    private readonly streamers: StreamersRepository,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Donations newest first, filtered by from / to / channel / minAmount / q (donor); keyset pages',
  })
  async list(@CurrentStreamer() streamerId: string, @Query() query: HistoryPageDto) {
    await requireKnownStreamer(this.streamers, streamerId);
    return this.history.page(streamerId, filterOf(query), query.cursor, query.limit);
  }

  @Get('export.csv')
  @ApiOperation({ summary: 'The filtered history as CSV (UTF-8 with BOM), streamed' })
  async export(
    @CurrentStreamer() streamerId: string,
    @Query() query: HistoryFilterDto,
    @Res() res: Response,
  ): Promise<void> {
    await requireKnownStreamer(this.streamers, streamerId);
    res.status(200);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', 'attachment; filename="donations.csv"');
    res.setHeader('Cache-Control', 'no-store');
    res.write(UTF8_BOM + csvLine(CSV_HEADER));
    let gone = false;
    res.once('close', () => (gone = true));
    for await (const page of this.history.all(streamerId, filterOf(query))) {
      if (gone) {
        return;
      }
      // Waits for the client to take the last page before reading the next: memory stays one page.
      if (!res.write(page.map(csvRow).join(''))) {
        await Promise.race([once(res, 'drain'), once(res, 'close')]);
      }
    }
    res.end();
  }
}
