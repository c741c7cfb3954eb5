import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../../config';
import { Clock } from '../../libs/clock';
import {
  DonationAlertsClient,
  toIncomingDonation,
  type DonationAlertsDonation,
  type DonationsPage,
} from '../donation-alerts';
import { DonationAlertsOAuthClient } from '../donation-alerts/donation-alerts-oauth.client';
import { DonationCursorsRepository } from '../donations/donation-cursors.repository';
import { DonationIngestor } from '../donations/donation-ingestor';
import { OAuthTokenService } from '../oauth/oauth-token.service';
import { BudgetExhaustedError, PollBudget } from './poll-budget';

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

  /**
   * `requestsPlanned`: requests to reserve up front (a previous attempt learned there are several pages). When
   * more pages turn out to be needed than the budget allows now, the poll stores nothing and throws
   * BudgetExhaustedError carrying how many requests to reserve next time, so it is not cut short again.
   */
  async poll(streamerId: string, fencingToken: number, requestsPlanned = 1): Promise<PollOutcome> {
    const outcome: PollOutcome = { newDonations: 0, requests: 0, lastResponseMs: null };
    let reserved = 0;
    const reserve = async (count: number) => {
      await this.budget.take(streamerId, count);
      reserved += count;
    };
    const fetchPage = async (page: number): Promise<DonationsPage> => {
      let attempts = 0;
      return this.tokens.withAccessToken(this.oauth, streamerId, async (token) => {
        // Every request counts against the budgets, including the retry after a token refresh.
        if (attempts++ > 0 || reserved === 0) {
          await this.budget.take(streamerId);
        } else {
          reserved -= 1;
        }
        outcome.requests += 1;
        const started = this.clock.now();
        try {
          return await this.client.donations(token, page);
        } finally {
          outcome.lastResponseMs = this.clock.now() - started;
        }
      });
    };

    await reserve(Math.max(1, requestsPlanned));
    const cursor = await this.cursors.find(streamerId);
    const first = await fetchPage(1);
    if (!cursor) {
      const lastDonationId = Math.max(0, ...first.donations.map((donation) => donation.id));
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

    const seen = (donations: DonationAlertsDonation[]) =>
      donations.length === 0 || donations.some((donation) => donation.id <= cursor.lastDonationId);
    const unseen = first.donations.filter((donation) => donation.id > cursor.lastDonationId);
    const pagesToRead = Math.min(this.maxPages, first.lastPage);
    if (!seen(first.donations) && pagesToRead > 1 && reserved < pagesToRead - 1) {
      try {
        await reserve(pagesToRead - 1 - reserved);
      } catch (error) {
        if (error instanceof BudgetExhaustedError) {
          throw new BudgetExhaustedError(error.retryAfterMs, error.scope, pagesToRead);
        }
        throw error;
      }
    }
    let reachedCursor = seen(first.donations) || first.lastPage <= 1;
    for (let page = 2; page <= pagesToRead && !reachedCursor; page += 1) {
      const { donations, lastPage } = await fetchPage(page);
      unseen.push(...donations.filter((donation) => donation.id > cursor.lastDonationId));
      reachedCursor = seen(donations) || page >= lastPage;
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
