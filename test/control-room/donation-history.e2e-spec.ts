import { DataSource } from 'typeorm';
import { DonationHistoryRepository, type HistoryItem } from '../../src/control-room';
import type { StreamerEntity } from '../../src/streamers/entities/streamer.entity';
import { StreamersRepository } from '../../src/streamers/streamers.repository';
import { bootApp, INSTANCE_TEST_ENV, type ListeningTestApp } from '../support/app';
import { DEPLOYMENTS, createBackingServices, type BackingServices } from '../support/deployments';
import { ingestDonations, sampleDonation, sessionCookie } from '../support/overlay';
import { waitFor } from '../support/waiting';

interface Page {
  items: HistoryItem[];
  nextCursor: string | null;
}

describe.each(DEPLOYMENTS)('Donation history (%s)', (deployment) => {
  let services: BackingServices;
  let app: ListeningTestApp;
  let streamerNumber = 0;
  /** The first positional parameter in raw SQL. */
  const first = deployment === 'sqlite' ? '?' : '$1';

  beforeAll(async () => {
    services = await createBackingServices(deployment);
    app = await bootApp({ ...INSTANCE_TEST_ENV, ...services.env }, { listen: true });
  });

  afterAll(async () => {
    await app?.close();
    await services?.close();
  });

  async function newStreamer(): Promise<StreamerEntity> {
    streamerNumber += 1;
    const n = `${deployment === 'sqlite' ? 1 : 2}${streamerNumber}${Date.now() % 100_000}`;
    return app.app.get(StreamersRepository).create({ twitchId: n, login: `h${n}`, displayName: `H${n}` });
  }

  function get(streamerId: string, path: string): Promise<Response> {
    return fetch(`${app.origin}${path}`, { headers: { cookie: sessionCookie(app, streamerId) } });
  }

  async function page(streamerId: string, query: string): Promise<Page> {
    const res = await get(streamerId, `/api/donations?${query}`);
    expect(res.status).toBe(200);
    return (await res.json()) as Page;
  }

  /** Rows straight into the table for the volume tests: received 1,000,001 ms, 1,000,002 ms, … */
  async function insertMany(streamerId: string, count: number, tag: string): Promise<void> {
    const columns = `INSERT INTO donations (id, streamer_id, provider, external_id, channel, donor_name, amount,
                       currency, message, created_at, received_at, announced_at)`;
    const sql =
      deployment === 'sqlite'
        ? `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${count}) ${columns}
           SELECT printf('${tag}-0000-4000-8000-%012d', i), ${first}, 'donationalerts', '${tag}-' || i, 'poll',
                  'Bulk ' || i, 10 + (i % 90), 'RUB', 'Message, "quoted" ' || i, i, 1000000 + i, 1 FROM n`
        : `${columns}
           SELECT '${tag}-0000-4000-8000-' || lpad(i::text, 12, '0'), $1, 'donationalerts', '${tag}-' || i, 'poll',
                  'Bulk ' || i, 10 + (i % 90), 'RUB', 'Message, "quoted" ' || i, i, 1000000 + i, 1
           FROM generate_series(1, ${count}) AS i`;
    await app.app.get(DataSource).query(sql, [streamerId]);
  }

  async function waitForVerdict(donationId: string): Promise<void> {
    const dataSource = app.app.get(DataSource);
    await waitFor(
      async () =>
        (
          await dataSource.query<unknown[]>(
            `SELECT 1 FROM donation_moderation WHERE donation_id = ${first}`,
            [donationId],
          )
        ).length === 1,
      { what: 'the moderation verdict' },
    );
  }

  it('pages newest first and never repeats or skips a row while donations arrive between pages', async () => {
    const streamer = await newStreamer();
    const stored = [];
    for (let i = 0; i < 5; i += 1) {
      stored.push(
        ...(await ingestDonations(
          app,
          streamer.id,
          [1, 2, 3, 4, 5].map(() => sampleDonation()),
        )),
      );
    }
    const newestFirst = [...stored].sort((a, b) => b.receivedAt - a.receivedAt || (b.id < a.id ? -1 : 1));

    const seen: string[] = [];
    let cursor: string | null = '';
    let pages = 0;
    while (cursor !== null) {
      const result: Page = await page(streamer.id, `limit=7${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...result.items.map((item) => item.id));
      cursor = result.nextCursor;
      pages += 1;
      // Newer donations keep arriving: they belong before the first page, never in a later one.
      await ingestDonations(app, streamer.id, [sampleDonation()]);
    }
    expect(pages).toBe(4);
    expect(seen).toEqual(newestFirst.map((donation) => donation.id));
  });

  it('combines filters: dates, channel, minimum amount and a donor search in any case', async () => {
    const streamer = await newStreamer();
    const [masha] = await ingestDonations(app, streamer.id, [
      sampleDonation({ donorName: 'Маша', amount: '500.00' }),
    ]);
    await ingestDonations(app, streamer.id, [
      sampleDonation({ donorName: 'МАШЕНЬКА', amount: '50.00' }),
      sampleDonation({ donorName: 'Петя', amount: '700.00' }),
      sampleDonation({ donorName: '100%_sure', amount: '10.00' }),
      sampleDonation({ donorName: null, amount: '900.00' }),
    ]);

    const names = async (query: string) =>
      (await page(streamer.id, query)).items.map((item) => item.donorName ?? '(anonymous)').sort();
    await expect(names('q=маш')).resolves.toEqual(['Маша', 'МАШЕНЬКА'].sort());
    await expect(names('q=маш&minAmount=100')).resolves.toEqual(['Маша']);
    await expect(names('q=%25_')).resolves.toEqual(['100%_sure']);
    await expect(names('q=0_s')).resolves.toEqual([]);
    await expect(names('minAmount=600')).resolves.toEqual(['(anonymous)', 'Петя']);
    await expect(names('channel=webhook&minAmount=600&q=пет')).resolves.toEqual(['Петя']);
    await expect(names('channel=poll')).resolves.toEqual([]);
    await expect(names(`from=${masha.receivedAt + 100_000}`)).resolves.toEqual([]);
    await expect(names(`to=${masha.receivedAt}`)).resolves.toEqual([]);
    const today = new Date(masha.receivedAt).toISOString().slice(0, 10);
    await expect(names(`from=${today}&q=маша`)).resolves.toEqual(['Маша']);
  });

  it("shows each row as moderation left it, and never another streamer's donations", async () => {
    const streamer = await newStreamer();
    const stranger = await newStreamer();
    const moderation = (action: string) =>
      fetch(`${app.origin}/api/alerts/settings`, {
        method: 'PUT',
        headers: { cookie: sessionCookie(app, streamer.id), 'content-type': 'application/json' },
        body: JSON.stringify({ moderation: { action, words: ['редиска'] } }),
      });
    expect((await moderation('mask')).status).toBe(200);
    const [masked] = await ingestDonations(app, streamer.id, [sampleDonation({ message: 'ты редиска' })]);
    await waitForVerdict(masked.id);
    expect((await moderation('hold')).status).toBe(200);
    const [held] = await ingestDonations(app, streamer.id, [sampleDonation({ message: 'редиска!' })]);
    await waitForVerdict(held.id);
    await ingestDonations(app, stranger.id, [sampleDonation()]);

    const { items } = await page(streamer.id, '');
    expect(items.map(({ id, message, status }) => ({ id, message, status }))).toEqual([
      { id: held.id, message: 'редиска!', status: 'held' },
      { id: masked.id, message: 'ты ***', status: 'shown' },
    ]);
  });

  it('refuses bad parameters with field messages, and asks for a session', async () => {
    const streamer = await newStreamer();
    const bad = [
      'channel=fax',
      'minAmount=abc',
      'cursor=zzz',
      'limit=0',
      'limit=1000',
      'from=yesterday',
      'nope=1',
    ];
    for (const query of bad) {
      const res = await get(streamer.id, `/api/donations?${query}`);
      expect(res.status).toBe(400);
      expect(JSON.stringify(await res.json())).toContain(query.split('=')[0]);
    }
    expect((await fetch(`${app.origin}/api/donations`)).status).toBe(401);
    expect((await fetch(`${app.origin}/api/donations/export.csv`)).status).toBe(401);
  });

  it('exports the filtered history as CSV with a BOM, a page of rows at a time', async () => {
    const streamer = await newStreamer();
    await insertMany(streamer.id, 10_000, '0000c5v1');
    const pages = jest.spyOn(app.app.get(DonationHistoryRepository), 'page');

    const res = await get(streamer.id, '/api/donations/export.csv?minAmount=10');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-length')).toBeNull();
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = new TextDecoder().decode(bytes.slice(3)).split('\r\n');
    expect(lines[0]).toBe('received_at,created_at,donor,amount,currency,message,channel,status');
    expect(lines).toHaveLength(10_002);
    expect(lines[1]).toBe(
      `${new Date(1_010_000).toISOString()},${new Date(10_000).toISOString()},Bulk 10000,20.00,RUB,"Message, ""quoted"" 10000",poll,shown`,
    );
    // Never the whole history in memory: ten queries of at most 1,000 rows, and one that finds the end.
    expect(pages.mock.calls.map(([, , , limit]) => limit)).toEqual(Array<number>(11).fill(1000));
    pages.mockRestore();
  });

  if (deployment === 'postgres+redis') {
    it('reads a page through the (streamer, received_at, id) index with 100,000 donations', async () => {
      const streamer = await newStreamer();
      await insertMany(streamer.id, 100_000, '0000b1g1');
      const dataSource = app.app.get(DataSource);
      await dataSource.query('ANALYZE donations');
      const [sql, parameters] = app.app
        .get(DonationHistoryRepository)
        .pageSql(
          streamer.id,
          { minAmount: 50 },
          { receivedAt: 1_050_000, id: '0000b1g1-0000-4000-8000-000000050000' },
          51,
        );
      const plan = await dataSource.query<Array<{ 'QUERY PLAN': string }>>(`EXPLAIN ${sql}`, parameters);
      const text = plan.map((row) => row['QUERY PLAN']).join('\n');
      expect(text).toContain('ix_donations_streamer_received');
      expect(text).not.toMatch(/Seq Scan on donations/);
    });
  }
});
