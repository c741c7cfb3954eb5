import { Injectable, Logger } from '@nestjs/common';
import { InjectConfig, type SchedulerConfig } from '../../config';
import { Clock } from '../../libs/clock';
import {
  DonationAlertsClient,
  toIncomingDonation,
  type DonationAlertsDonation,
  type DonationsPage,
} from '../donation-alerts';
import { DonationAlertsOAuthClient } from '../donation-alerts';
import { DonationCursorsRepository } from '../donations';
import { DonationIngestor } from '../donations';
import { OAuthTokenService } from '../oauth';
import { BudgetExhaustedError, DonationAlertsBudget, type BudgetPriority } from '../donation-alerts';

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
    private readonly budget: DonationAlertsBudget,
    private readonly clock: Clock,
    @InjectConfig('scheduler') settings: SchedulerConfig,
  ) {
    this.maxPages = settings.maxPages;
  }

  /**
   * `requestsPlanned`: requests to reserve up front (a previous attempt learned there are several pages). When
   * more pages turn out to be needed than the budget allows now, the poll stores nothing and throws
   * BudgetExhaustedError carrying how many requests to reserve next time, so it is not cut short again.
   */
  async poll(
    streamerId: string,
    fencingToken: number,
    requestsPlanned = 1,
    priority: BudgetPriority = 'normal',
  ): Promise<PollOutcome> {
    const requests = new PollRequests(this.budget, streamerId, priority);
    await requests.reserve(Math.max(1, requestsPlanned));
    const cursor = await this.cursors.find(streamerId);
    const first = await this.fetchPage(requests, 1);
    if (!cursor) {
      await this.startAtNewest(streamerId, fencingToken, first);
      return requests.outcome(0);
    }
    const pagesToRead = Math.min(this.maxPages, first.lastPage);
    await this.reserveExtraPages(requests, first, cursor.lastDonationId, pagesToRead);
    const { unseen, reachedCursor } = await this.readUntilCursor(
      requests,
      first,
      cursor.lastDonationId,
      pagesToRead,
    );
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
    return requests.outcome(stored.length);
  }

  /** A streamer polled for the first time: the cursor starts at their newest donation, nothing is replayed. */
  private async startAtNewest(streamerId: string, fencingToken: number, first: DonationsPage): Promise<void> {
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
  }

  /**
   * The first page did not reach the cursor: reserve the pages still to read in one go, so a poll is never
   * cut short half-way by the budget (which would store nothing and start over).
   */
  private async reserveExtraPages(
    requests: PollRequests,
    first: DonationsPage,
    cursorId: number,
    pagesToRead: number,
  ): Promise<void> {
    const missing = pagesToRead - 1 - requests.reserved;
    if (reachesCursor(first.donations, cursorId) || pagesToRead <= 1 || missing <= 0) {
      return;
    }
    try {
      await requests.reserve(missing);
    } catch (error) {
      if (error instanceof BudgetExhaustedError) {
        throw new BudgetExhaustedError(error.retryAfterMs, error.scope, pagesToRead);
      }
      throw error;
    }
  }

  /** Pages 2, 3, … up to `pagesToRead` until one reaches the cursor or is the last; what is newer than it. */
  private async readUntilCursor(
    requests: PollRequests,
    first: DonationsPage,
    cursorId: number,
    pagesToRead: number,
  ): Promise<{ unseen: DonationAlertsDonation[]; reachedCursor: boolean }> {
    const unseen = newerThan(first.donations, cursorId);
    let reachedCursor = reachesCursor(first.donations, cursorId) || first.lastPage <= 1;
    for (let page = 2; page <= pagesToRead && !reachedCursor; page += 1) {
      const { donations, lastPage } = await this.fetchPage(requests, page);
      unseen.push(...newerThan(donations, cursorId));
      reachedCursor = reachesCursor(donations, cursorId) || page >= lastPage;
    }
    return { unseen, reachedCursor };
  }

  private fetchPage(requests: PollRequests, page: number): Promise<DonationsPage> {
    let attempt = 0;
    return this.tokens.withAccessToken(this.oauth, requests.streamerId, async (token) => {
      // Every request counts against the budgets, including the retry after a token refresh.
      await requests.beforeRequest(attempt++ > 0);
      const started = this.clock.now();
      try {
        return await this.client.donations(token, page);
      } finally {
        requests.responded(this.clock.now() - started);
      }
    });
  }
}

/** A page reaches the cursor when it is empty or holds a donation the cursor already covers. */
function reachesCursor(donations: DonationAlertsDonation[], cursorId: number): boolean {
  return donations.length === 0 || donations.some((donation) => donation.id <= cursorId);
}

function newerThan(donations: DonationAlertsDonation[], cursorId: number): DonationAlertsDonation[] {
  return donations.filter((donation) => donation.id > cursorId);
}

/** The requests of one poll: those reserved in the budgets ahead of time, and those made. */
class PollRequests {
  reserved = 0;
  private made = 0;
  private lastResponseMs: number | null = null;

  constructor(
    private readonly budget: DonationAlertsBudget,
    readonly streamerId: string,
    private readonly priority: BudgetPriority,
  ) {}

  async reserve(count: number): Promise<void> {
    await this.budget.take(this.streamerId, count, this.priority);
    this.reserved += count;
  }

  /** Spends a reserved request, or takes one from the budgets when none is left or this is a retry. */
  async beforeRequest(retry: boolean): Promise<void> {
    if (retry || this.reserved === 0) {
      await this.budget.take(this.streamerId, 1, this.priority);
    } else {
      this.reserved -= 1;
    }
    this.made += 1;
  }

  responded(durationMs: number): void {
    this.lastResponseMs = durationMs;
  }

  outcome(newDonations: number): PollOutcome {
    return { newDonations, requests: this.made, lastResponseMs: this.lastResponseMs };
  }
}
