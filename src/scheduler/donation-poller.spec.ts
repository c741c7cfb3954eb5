import { Logger } from '@nestjs/common';
import type { SchedulerConfig } from '../../config';
import { Clock } from '../../libs/clock';
import { OutboundHttpError } from '../common/outbound/http-json';
import type { DonationAlertsClient, DonationAlertsDonation, DonationsPage } from '../donation-alerts';
import type { DonationAlertsOAuthClient } from '../donation-alerts/donation-alerts-oauth.client';
import type { Donation } from '../donations/donation';
import type { DonationCursorsRepository } from '../donations/donation-cursors.repository';
import type { DonationIngestor, IngestRequest } from '../donations/donation-ingestor';
import type { DonationCursorEntity } from '../donations/entities/donation-cursor.entity';
import type { OAuthTokenService } from '../oauth/oauth-token.service';
import { DonationPoller } from './donation-poller';
import { BudgetExhaustedError, type DonationAlertsBudget } from '../donation-alerts/request-budget';

const STREAMER = 'streamer-1';
const TOKEN = 7;
const PAGE_SIZE = 3;
const RESPONSE_MS = 25;

const DONATION = {
  name: 'donation',
  username: 'donor',
  message_type: 'text',
  message: null,
  currency: 'RUB',
};
const donation = (id: number): DonationAlertsDonation => ({
  ...DONATION,
  id,
  amount: 100,
  is_shown: 0,
  created_at: '2024-05-01 12:00:00',
  shown_at: null,
});

/** DonationAlerts' newest-first paging over donations `1..newest`; every request takes RESPONSE_MS. */
class FakeDonationAlerts {
  readonly pagesRead: number[] = [];
  /** A first request with this token is refused once as 401, as after an expired token. */
  expiredToken: string | null = null;

  constructor(
    private readonly clock: TestClock,
    private newest = 0,
  ) {}

  async donations(token: string, page: number): Promise<DonationsPage> {
    this.clock.time += RESPONSE_MS;
    if (token === this.expiredToken) {
      this.expiredToken = null;
      throw new OutboundHttpError('DonationAlerts answered 401', 401);
    }
    this.pagesRead.push(page);
    const ids = Array.from({ length: this.newest }, (_, i) => this.newest - i);
    return Promise.resolve({
      donations: ids.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE).map(donation),
      currentPage: page,
      lastPage: Math.max(1, Math.ceil(this.newest / PAGE_SIZE)),
    });
  }
}

/** The budgets: `free` requests left; beyond that `take` throws like the real one. */
class FakeBudget {
  readonly takes: number[] = [];

  constructor(public free = Number.POSITIVE_INFINITY) {}

  take(_streamerId: string, count = 1): Promise<void> {
    if (count > this.free) {
      return Promise.reject(new BudgetExhaustedError(2_000, 'streamer', count));
    }
    this.free -= count;
    this.takes.push(count);
    return Promise.resolve();
  }
}

class TestClock extends Clock {
  time = 1_700_000_000_000;
  now(): number {
    return this.time;
  }
}

/** Calls with the current token; on a 401 once more with a refreshed one, like OAuthTokenService. */
const tokens = {
  async withAccessToken<T>(_refresher: unknown, _streamerId: string, call: (token: string) => Promise<T>) {
    try {
      return await call('current');
    } catch (error) {
      if (!(error instanceof OutboundHttpError)) {
        throw error;
      }
      return call('refreshed');
    }
  },
};

describe(DonationPoller.name, () => {
  let clock: TestClock;
  let da: FakeDonationAlerts;
  let budget: FakeBudget;
  let cursor: { lastDonationId: number } | null;
  let ingested: IngestRequest[];
  let errors: jest.SpyInstance;

  function poller(maxPages = 5): DonationPoller {
    const config = { maxPages } as SchedulerConfig;
    const cursors = { find: () => Promise.resolve(cursor as DonationCursorEntity | null) };
    const ingestor = {
      ingest: (request: IngestRequest) => {
        ingested.push(request);
        return Promise.resolve(request.donations as unknown as Donation[]);
      },
    };
    return new DonationPoller(
      da as unknown as DonationAlertsClient,
      {} as DonationAlertsOAuthClient,
      tokens as unknown as OAuthTokenService,
      cursors as unknown as DonationCursorsRepository,
      ingestor as unknown as DonationIngestor,
      budget as unknown as DonationAlertsBudget,
      clock,
      config,
    );
  }

  const ingestedIds = () => ingested.at(-1)!.donations.map(({ externalId }) => Number(externalId));

  beforeEach(() => {
    clock = new TestClock();
    da = new FakeDonationAlerts(clock);
    budget = new FakeBudget();
    cursor = { lastDonationId: 0 };
    ingested = [];
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('starts a newly connected streamer at the newest donation without replaying history', async () => {
    da = new FakeDonationAlerts(clock, 8);
    cursor = null;

    const outcome = await poller().poll(STREAMER, TOKEN);

    expect(outcome).toEqual({ newDonations: 0, requests: 1, lastResponseMs: RESPONSE_MS });
    expect(da.pagesRead).toEqual([1]);
    expect(ingested).toEqual([
      expect.objectContaining({ donations: [], cursor: { lastDonationId: 8, fencingToken: TOKEN } }),
    ]);
  });

  it('reads one page and stores nothing when the first page is empty', async () => {
    const outcome = await poller().poll(STREAMER, TOKEN);

    expect(outcome).toEqual({ newDonations: 0, requests: 1, lastResponseMs: RESPONSE_MS });
    expect(da.pagesRead).toEqual([1]);
    expect(ingested[0]).toMatchObject({ donations: [], cursor: { lastDonationId: 0 } });
  });

  it('stops at the page holding the last seen id and stores what is newer, moving the cursor', async () => {
    da = new FakeDonationAlerts(clock, 10);
    cursor = { lastDonationId: 5 };

    const outcome = await poller().poll(STREAMER, TOKEN);

    expect(da.pagesRead).toEqual([1, 2]);
    expect(ingestedIds()).toEqual([10, 9, 8, 7, 6]);
    expect(ingested[0]).toMatchObject({
      channel: 'poll',
      cursor: { lastDonationId: 10, fencingToken: TOKEN },
    });
    expect(outcome).toEqual({ newDonations: 5, requests: 2, lastResponseMs: RESPONSE_MS });
  });

  it('stops on the last page even when the cursor is older than everything', async () => {
    da = new FakeDonationAlerts(clock, 5);

    await poller().poll(STREAMER, TOKEN);

    expect(da.pagesRead).toEqual([1, 2]);
    expect(ingestedIds()).toEqual([5, 4, 3, 2, 1]);
    expect(errors).not.toHaveBeenCalled();
  });

  it('reads at most DA_POLL_MAX_PAGES pages and says older donations in between are skipped', async () => {
    da = new FakeDonationAlerts(clock, 20);

    await poller(3).poll(STREAMER, TOKEN);

    expect(da.pagesRead).toEqual([1, 2, 3]);
    expect(ingestedIds()).toEqual([20, 19, 18, 17, 16, 15, 14, 13, 12]);
    expect(errors).toHaveBeenCalledWith(expect.stringContaining('more than 3 pages of donations'));
  });

  it.each([
    ['one request up front, then the pages still to read in one go', 12, [1, 4], [1, 2, 3]],
    ['no extra pages when the first page reaches the cursor', 19, [1], [1]],
  ])('reserves %s', async (_case, lastDonationId, takes, pages) => {
    da = new FakeDonationAlerts(clock, 20);
    cursor = { lastDonationId };

    await poller().poll(STREAMER, TOKEN);

    expect(budget.takes).toEqual(takes);
    expect(da.pagesRead).toEqual(pages);
  });

  it.each([
    [9, 3, [3]],
    [15, 2, [2, 3]],
  ])(
    'with %i donations and %i requests planned, reserves only what the plan lacks',
    async (newest, planned, takes) => {
      da = new FakeDonationAlerts(clock, newest);

      await poller().poll(STREAMER, TOKEN, planned);

      expect(budget.takes).toEqual(takes);
      expect(da.pagesRead).toEqual([1, 2, 3, 4, 5].slice(0, Math.ceil(newest / PAGE_SIZE)));
    },
  );

  it('stores nothing and asks for all pages next time when the budget cannot cover the extra pages', async () => {
    da = new FakeDonationAlerts(clock, 15);
    budget = new FakeBudget(3);

    const polled = poller().poll(STREAMER, TOKEN);

    await expect(polled).rejects.toEqual(expect.objectContaining({ scope: 'streamer', requestsNeeded: 5 }));
    expect(da.pagesRead).toEqual([1]);
    expect(ingested).toEqual([]);
  });

  it('takes one more request for the retry after a token refresh', async () => {
    da = new FakeDonationAlerts(clock, 2);
    da.expiredToken = 'current';

    const outcome = await poller().poll(STREAMER, TOKEN);

    expect(budget.takes).toEqual([1, 1]);
    expect(outcome.requests).toBe(2);
  });

  it('fails without a request when the budget has nothing left', async () => {
    budget = new FakeBudget(0);

    await expect(poller().poll(STREAMER, TOKEN)).rejects.toBeInstanceOf(BudgetExhaustedError);
    expect(da.pagesRead).toEqual([]);
  });
});
