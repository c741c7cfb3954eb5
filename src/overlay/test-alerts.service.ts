import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Clock } from '../../libs/clock';
import { DonationIngestor } from '../donations';

/** What a test alert is for; left out: 100 RUB. */
export interface TestAlertOptions {
  amount?: number;
  currency?: string;
}

/**
 * Test alerts take the same path as real donations, marked with provider and channel `test`. They show whatever
 * the minimum, and play the tier their amount reaches, so a streamer can try each tier.
 */
@Injectable()
export class TestAlerts {
  constructor(
    private readonly ingestor: DonationIngestor,
    private readonly clock: Clock,
  ) {}

  /** Stores and announces a test donation; returns its id. */
  async send(streamerId: string, { amount = 100, currency = 'RUB' }: TestAlertOptions = {}): Promise<string> {
    const [stored] = await this.ingestor.ingest({
      streamerId,
      provider: 'test',
      channel: 'test',
      donations: [
        {
          externalId: randomUUID(),
          donorName: 'Тестовый донатер',
          amount: amount.toFixed(2),
          currency,
          message: 'Это тестовое оповещение',
          createdAt: this.clock.now(),
        },
      ],
    });
    return stored.id;
  }
}
