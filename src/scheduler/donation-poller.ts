import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../../config';
import { Clock } from '../../libs/clock';
import {
  DonationAlertsClient,
  toIncomingDonation,
  type DonationAlertsDonation,
} from '../donation-alerts/donation-alerts.client';
import { DonationAlertsOAuthClient } from '../donation-alerts/donation-alerts-oauth.client';
import { DonationCursorsRepository } from '../donations/donation-cursors.repository';
import { DonationIngestor } from '../donations/donation-ingestor';
import { OAuthTokenService } from '../oauth/oauth-token.service';
import { PollBudget } from './poll-budget';

export interface PollOutcome {
  /** Donations stored by this poll. */
  newDonations: number;
  /** DonationAlerts requests it made. */
  requests: number;
  /** Duration of the last DonationAlerts request. */
  lastResponseMs: number | null;
}

/**
 * One poll of one streamer: reads pages newest first until it reaches the cursor, then ingests what is new,
 * oldest first, and moves the cursor in the same transaction (fenced by the poll lock's token). A streamer
 * polled for the first time starts at their newest donation without replaying history.
 */
@Injectable()
export class DonationPoller {
  private readonly logger = new Logger(DonationPoller.name);
  private readonly maxPages: number;

  constructor(
    private readonly client: DonationAlertsClient,
    private readonly oauth: DonationAlertsOAuthClient,
    private readonly tokens: OAuthTokenService,
    private readonly cursors: DonationCursorsRepository,
    private readonly ingestor: DonationIngestor,
    private readonly budget: PollBudget,
    private readonly clock: Clock,
    config: ConfigService<AllConfig, true>,
  ) {
    this.maxPages = config.get('scheduler.maxPages', { infer: true });
  }

  async poll(streamerId: string, fencingToken: number): Promise<PollOutcome> {
    const outcome: PollOutcome = { newDonations: 0, requests: 0, lastResponseMs: null };
    const cursor = await this.cursors.find(streamerId);
    const fetchPage = async (page: number): Promise<DonationAlertsDonation[]> => {
      await this.budget.take(streamerId);
      const started = this.clock.now();
      outcome.requests += 1;
      try {
        const result = await this.tokens.withAccessToken(this.oauth, streamerId, (token) =>
          this.client.donations(token, page),
        );
        return page <= result.lastPage ? result.donations : [];
      } finally {
        outcome.lastResponseMs = this.clock.now() - started;
      }
    };

    if (!cursor) {
      const newest = await fetchPage(1);
      const lastDonationId = Math.max(0, ...newest.map((donation) => donation.id));
      await this.ingestor.ingest({
        streamerId,
        provider: 'donationalerts',
        channel: 'poll',
        donations: [],
        cursor: { lastDonationId, fencingToken },
      });
      this.logger.log(
        `Streamer ${streamerId} starts at DonationAlerts donation ${lastDonationId} (history not replayed)`,
      );
      return outcome;
    }

    const unseen: DonationAlertsDonation[] = [];
    let reachedCursor = false;
    for (let page = 1; page <= this.maxPages && !reachedCursor; page += 1) {
      const donations = await fetchPage(page);
      unseen.push(...donations.filter((donation) => donation.id > cursor.lastDonationId));
      reachedCursor =
        donations.length === 0 || donations.some((donation) => donation.id <= cursor.lastDonationId);
    }
    if (!reachedCursor) {
      this.logger.error(
        `Streamer ${streamerId}: more than ${this.maxPages} pages of donations since the last poll; older ones in between are skipped (raise DA_POLL_MAX_PAGES)`,
      );
    }
    const stored = await this.ingestor.ingest({
      streamerId,
      provider: 'donationalerts',
      channel: 'poll',
      donations: unseen.map(toIncomingDonation),
      cursor: {
        lastDonationId: Math.max(cursor.lastDonationId, ...unseen.map((donation) => donation.id)),
        fencingToken,
      },
    });
    outcome.newDonations = stored.length;
    return outcome;
  }
}
