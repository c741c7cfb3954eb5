import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Clock } from '../../libs/clock';
import { DonationIngestor } from '../donations';

/** Test alerts take the same path as real donations, marked with provider and channel `test`. */
@Injectable()
export class TestAlerts {
  constructor(
    private readonly ingestor: DonationIngestor,
    private readonly clock: Clock,
  ) {}

  /** Stores and announces a test donation; returns its id. */
  async send(streamerId: string): Promise<string> {
    const [stored] = await this.ingestor.ingest({
      streamerId,
      provider: 'test',
      channel: 'test',
      donations: [
        {
          externalId: randomUUID(),
          donorName: 'Тестовый донатер',
          amount: '100.00',
          currency: 'RUB',
          message: 'Это тестовое оповещение',
          createdAt: this.clock.now(),
        },
      ],
    });
    return stored.id;
  }
}
