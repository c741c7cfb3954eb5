import { OutboundHttpError } from '../../src/common/outbound/http-json';
import { DonationAlertsClient, MalformedResponseError, toIncomingDonation } from '../../src/donation-alerts';
import { jsonReply } from '../fakes/fake-http-server';
import {
  mintDonationAlertsTokens,
  startDonationAlertsRig,
  type DonationAlertsRig,
} from '../support/donation-alerts';

const DONATIONS_PATH = '/api/v1/alerts/donations';
const TIMEOUT_MS = 300;

describe(DonationAlertsClient.name, () => {
  let rig: DonationAlertsRig;
  let client: DonationAlertsClient;
  let userNumber = 0;

  beforeAll(async () => {
    rig = await startDonationAlertsRig('sqlite');
    const instance = await rig.boot({ DA_REQUEST_TIMEOUT_MS: String(TIMEOUT_MS) });
    client = instance.app.get(DonationAlertsClient);
  });

  afterAll(async () => {
    await rig?.close();
  });

  /** A DonationAlerts user of its own and a live access token for them. */
  async function account(): Promise<{ userId: number; token: string }> {
    userNumber += 1;
    const userId = 7_000_000 + userNumber;
    rig.da.addUser({ id: userId, code: `client_${userNumber}`, name: `Client ${userNumber}` });
    return { userId, token: (await mintDonationAlertsTokens(rig.da, userId)).accessToken };
  }

  /** The error `promise` rejects with (failing the test when it resolves). */
  async function rejectionOf(promise: Promise<unknown>): Promise<OutboundHttpError> {
    const error = await promise.then(
      () => new Error('resolved'),
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(OutboundHttpError);
    return error as OutboundHttpError;
  }

  it('maps DonationAlerts fields: username null is anonymous, created_at is UTC, amounts stay exact', async () => {
    const { userId, token } = await account();
    const [anonymous, named] = rig.da.addDonations(userId, [
      { username: null, amount: 0.1, currency: 'USD', created_at: '2024-12-31 23:59:59', message: 'hi' },
      { username: 'Whale', amount: 12345678.99, currency: 'RUB', created_at: '2025-01-01 00:00:00' },
    ]);

    const page = await client.donations(token, 1);

    expect(page).toMatchObject({ currentPage: 1, lastPage: 1 });
    expect(page.donations.map(toIncomingDonation)).toEqual([
      {
        externalId: String(named.id),
        donorName: 'Whale',
        amount: '12345678.99',
        currency: 'RUB',
        message: named.message,
        createdAt: Date.UTC(2025, 0, 1, 0, 0, 0),
      },
      {
        externalId: String(anonymous.id),
        donorName: null,
        amount: '0.10',
        currency: 'USD',
        message: 'hi',
        createdAt: Date.UTC(2024, 11, 31, 23, 59, 59),
      },
    ]);
  });

  it('keeps string amounts exact and pads whole amounts to two places', () => {
    const base = {
      id: 1,
      name: 'donation',
      username: 'Donor',
      message_type: 'text',
      message: null,
      currency: 'RUB',
      is_shown: 0,
      created_at: '2025-01-01 00:00:00',
      shown_at: null,
    };

    expect(toIncomingDonation({ ...base, amount: '0.1' }).amount).toBe('0.10');
    expect(toIncomingDonation({ ...base, amount: '12345678.99' }).amount).toBe('12345678.99');
    expect(toIncomingDonation({ ...base, amount: 500 }).amount).toBe('500.00');
    expect(toIncomingDonation({ ...base, amount: 500, username: '' }).donorName).toBeNull();
  });

  it('pages newest first, 30 a page, with the last page number', async () => {
    const { userId, token } = await account();
    const added = rig.da.addDonations(
      userId,
      Array.from({ length: 45 }, () => ({})),
    );
    const newestFirst = added.map(({ id }) => id).reverse();

    const [first, second, past] = [
      await client.donations(token, 1),
      await client.donations(token, 2),
      await client.donations(token, 3),
    ];

    expect(first.donations.map(({ id }) => id)).toEqual(newestFirst.slice(0, 30));
    expect(second.donations.map(({ id }) => id)).toEqual(newestFirst.slice(30));
    expect(past.donations).toEqual([]);
    expect([first.lastPage, second.lastPage, past.lastPage]).toEqual([2, 2, 2]);
  });

  describe('errors', () => {
    it('classifies a 5xx as a server error', async () => {
      const { userId, token } = await account();
      rig.da.failNextDonations('server-error', 1, { userId });

      const error = await rejectionOf(client.donations(token, 1));

      expect(error).toMatchObject({ kind: 'server', status: 500 });
    });

    it('classifies a 401 as an auth error', async () => {
      const { token } = await account();
      rig.da.expireAccessToken(token);

      const error = await rejectionOf(client.donations(token, 1));

      expect(error).toMatchObject({ kind: 'auth', status: 401 });
    });

    it('classifies a 429 as rate-limited and keeps its Retry-After', async () => {
      const { userId, token } = await account();
      rig.da.failNextDonations('rate-limited', 1, { userId, retryAfterSeconds: 42 });

      const error = await rejectionOf(client.donations(token, 1));

      expect(error).toMatchObject({ kind: 'rate-limited', status: 429, retryAfterMs: 42_000 });
    });

    it('classifies no answer within DA_REQUEST_TIMEOUT_MS as a network error', async () => {
      const { userId, token } = await account();
      rig.da.failNextDonations('timeout', 1, { userId });
      const started = Date.now();

      const error = await rejectionOf(client.donations(token, 1));

      expect(error).toMatchObject({ kind: 'network', status: null });
      expect(error.message).toContain(`no answer in ${TIMEOUT_MS} ms`);
      expect(Date.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
    });

    it('classifies a body that is not JSON as malformed', async () => {
      const { userId, token } = await account();
      rig.da.failNextDonations('garbage', 1, { userId });

      const error = await rejectionOf(client.donations(token, 1));

      expect(error).toMatchObject({ kind: 'malformed', status: 200 });
    });

    it.each([
      ['no data array', { meta: { current_page: 1, last_page: 1 } }],
      [
        'a donation without an id',
        { data: [{ amount: 1, currency: 'RUB', created_at: '2025-01-01 00:00:00' }] },
      ],
      [
        'an amount that is not a number',
        { data: [{ id: 5, amount: 'lots', currency: 'RUB', created_at: '2025-01-01 00:00:00' }] },
      ],
    ])('classifies JSON with %s as malformed', async (_case, body) => {
      const { token } = await account();
      rig.da.failNext('GET', DONATIONS_PATH, jsonReply(200, body));

      const page = client.donations(token, 1).then((result) => result.donations.map(toIncomingDonation));
      const error = await rejectionOf(page);

      expect(error).toBeInstanceOf(MalformedResponseError);
      expect(error.kind).toBe('malformed');
    });
  });
});
