import request from 'supertest';
import { DataSource } from 'typeorm';
import { LeaderService } from '../libs/locks';
import { AdminApiKeyGuard } from '../src/common/admin/admin-api-key.guard';
import { DonationEntity, type DonationProvider } from '../src/donations/entities/donation.entity';
import { AdminStreamersController } from '../src/streamers/admin-streamers.controller';
import type { StreamerEntity } from '../src/streamers/entities/streamer.entity';
import { StreamersRepository, type NewStreamer } from '../src/streamers/streamers.repository';
import { bootApp, type TestApp } from './support/app';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './support/databases';
import { expectNoInternals } from './support/http';

const ADMIN_API_KEY = 'e2e-admin-key-0123456789abcdef';
const ROUTE = '/api/admin/streamers';
/**
 * The leader heartbeat queries the database in single-instance mode: slowed down, it stays out of the query
 * counts. LOG_LEVEL fatal: pino-http logs the expected 503 answers at error level, and in one process
 * nestjs-pino's request logger keeps the level of the first app booted.
 */
const QUIET = { LEADER_HEARTBEAT_MS: '600000', LEADER_LEASE_MS: '1200000', LOG_LEVEL: 'fatal' };

let externalIds = 0;

function donation(
  streamer: StreamerEntity,
  createdAt: number,
  provider: DonationProvider = 'donationalerts',
): Partial<DonationEntity> {
  externalIds += 1;
  return {
    id: `00000000-0000-4000-8000-${externalIds.toString().padStart(12, '0')}`,
    streamerId: streamer.id,
    provider,
    externalId: String(externalIds),
    channel: provider === 'test' ? 'test' : 'poll',
    donorName: null,
    amount: '100.00',
    currency: 'RUB',
    message: null,
    createdAt,
    receivedAt: createdAt + 1000,
  };
}

/** Every SQL statement TypeORM sends while `fn` runs: its drivers call `logger.logQuery` for each, logging on or off. */
async function queriesDuring<T>(
  dataSource: DataSource,
  fn: () => Promise<T>,
): Promise<{ result: T; sql: string[] }> {
  const spy = jest.spyOn(dataSource.logger, 'logQuery');
  try {
    const result = await fn();
    return { result, sql: spy.mock.calls.map(([query]) => query) };
  } finally {
    spy.mockRestore();
  }
}

describe(AdminStreamersController.name, () => {
  describe.each(DATABASE_KINDS)('on %s', (kind) => {
    let database: TestDatabase;
    let testApp: TestApp;
    let dataSource: DataSource;
    let streamers: StreamersRepository;

    function createStreamer(login: string, extra: Partial<NewStreamer> = {}): Promise<StreamerEntity> {
      return streamers.create({ twitchId: `tw-${login}`, login, displayName: login.toUpperCase(), ...extra });
    }

    function listAsAdmin(): request.Test {
      return request(testApp.server).get(ROUTE).set('Authorization', `Bearer ${ADMIN_API_KEY}`);
    }

    beforeAll(async () => {
      database = await createTestDatabase(kind);
      testApp = await bootApp({ ...database.env, ...QUIET, ADMIN_API_KEY });
      dataSource = testApp.app.get(DataSource);
      streamers = testApp.app.get(StreamersRepository);
      await testApp.app.get(LeaderService).heartbeat();
    });

    beforeEach(async () => {
      await dataSource.createQueryBuilder().delete().from(DonationEntity).execute();
      await dataSource.query('DELETE FROM donation_cursors');
      await dataSource.query('DELETE FROM streamers');
    });

    afterAll(async () => {
      await testApp?.close();
      await database?.drop();
    });

    describe(AdminApiKeyGuard.name, () => {
      it('answers 401 when the Authorization header is missing', async () => {
        const response = await request(testApp.server).get(ROUTE);

        expect(response.status).toBe(401);
        expect(response.body).toMatchObject({
          statusCode: 401,
          message: expect.stringContaining('Authorization: Bearer'),
          requestId: response.headers['x-request-id'],
        });
        expectNoInternals(response.text);
      });

      it.each([
        ['a wrong key', 'Bearer wrong-key-0123456789abcdef'],
        ['the key with a suffix', `Bearer ${ADMIN_API_KEY}x`],
        ['a prefix of the key', `Bearer ${ADMIN_API_KEY.slice(0, -1)}`],
        ['the key without a scheme', ADMIN_API_KEY],
        ['the key under the Basic scheme', `Basic ${ADMIN_API_KEY}`],
        [
          'the key under the Basic scheme, encoded',
          `Basic ${Buffer.from(`admin:${ADMIN_API_KEY}`).toString('base64')}`,
        ],
        ['two tokens after Bearer', `Bearer ${ADMIN_API_KEY} ${ADMIN_API_KEY}`],
        ['an empty Bearer', 'Bearer '],
      ])('answers 401 when the header holds %s', async (_case, authorization) => {
        const response = await request(testApp.server).get(ROUTE).set('Authorization', authorization);

        expect(response.status).toBe(401);
        expect(response.text).not.toContain(ADMIN_API_KEY);
      });

      it('answers 200 when the Bearer key is right', async () => {
        const response = await listAsAdmin();

        expect(response.status).toBe(200);
        expect(response.body).toEqual([]);
      });

      it('accepts the key when the scheme is written in another case', async () => {
        const response = await request(testApp.server)
          .get(ROUTE)
          .set('Authorization', `bearer ${ADMIN_API_KEY}`);

        expect(response.status).toBe(200);
      });
    });

    describe('GET /api/admin/streamers', () => {
      it('counts donations and reports the latest as ISO time, test alerts excluded, when streamers have donations', async () => {
        const busy = await createStreamer('busy');
        const testOnly = await createStreamer('testonly', { status: 'needs_reauth' });
        const quiet = await createStreamer('quiet', { status: 'disabled' });
        const latest = Date.UTC(2026, 0, 15, 18, 30, 5, 123);
        await dataSource
          .getRepository(DonationEntity)
          .insert([
            donation(busy, latest - 60_000),
            donation(busy, latest),
            donation(busy, latest - 3_600_000),
            donation(busy, latest + 86_400_000, 'test'),
            donation(testOnly, latest, 'test'),
            donation(testOnly, latest + 1, 'test'),
          ]);

        const response = await listAsAdmin();

        expect(response.status).toBe(200);
        expect(response.body).toHaveLength(3);
        expect(response.body).toEqual(
          expect.arrayContaining([
            {
              id: busy.id,
              twitchId: 'tw-busy',
              login: 'busy',
              displayName: 'BUSY',
              status: 'active',
              donationCount: 3,
              lastDonationAt: '2026-01-15T18:30:05.123Z',
            },
            {
              id: testOnly.id,
              twitchId: 'tw-testonly',
              login: 'testonly',
              displayName: 'TESTONLY',
              status: 'needs_reauth',
              donationCount: 0,
              lastDonationAt: null,
            },
            {
              id: quiet.id,
              twitchId: 'tw-quiet',
              login: 'quiet',
              displayName: 'QUIET',
              status: 'disabled',
              donationCount: 0,
              lastDonationAt: null,
            },
          ]),
        );
      });

      it('reads everything in one SQL query when there are 3 streamers', async () => {
        for (const login of ['a', 'b', 'c']) {
          const streamer = await createStreamer(login);
          await dataSource
            .getRepository(DonationEntity)
            .insert([donation(streamer, 1_000), donation(streamer, 2_000)]);
        }

        const { result: response, sql } = await queriesDuring(dataSource, () => listAsAdmin());

        expect(response.status).toBe(200);
        expect(response.body).toHaveLength(3);
        expect(sql).toEqual([expect.stringMatching(/FROM streamers s\s+LEFT JOIN donations d/)]);
      });

      it('still reads everything in one SQL query when there are 30 streamers', async () => {
        for (let index = 0; index < 30; index += 1) {
          const streamer = await createStreamer(`s${index}`);
          await dataSource
            .getRepository(DonationEntity)
            .insert([donation(streamer, 1_000 + index), donation(streamer, 5_000, 'test')]);
        }

        const { result: response, sql } = await queriesDuring(dataSource, () => listAsAdmin());

        expect(response.status).toBe(200);
        const counts = (response.body as Array<{ donationCount: number }>).map((row) => row.donationCount);
        expect(counts).toEqual(Array<number>(30).fill(1));
        expect(sql).toEqual([expect.stringMatching(/FROM streamers s\s+LEFT JOIN donations d/)]);
      });
    });

    describe('without ADMIN_API_KEY', () => {
      let closedApp: TestApp;

      beforeAll(async () => {
        closedApp = await bootApp({ ...database.env, ...QUIET });
      });

      afterAll(async () => {
        await closedApp?.close();
      });

      it.each([
        ['no header', undefined],
        ['a Bearer key', `Bearer ${ADMIN_API_KEY}`],
      ])(
        'answers 503 saying how to set ADMIN_API_KEY when the request has %s',
        async (_case, authorization) => {
          const call = request(closedApp.server).get(ROUTE);
          const response = await (authorization ? call.set('Authorization', authorization) : call);

          expect(response.status).toBe(503);
          expect(response.body).toEqual({
            statusCode: 503,
            error: 'Service Unavailable',
            message: expect.stringMatching(/set ADMIN_API_KEY/),
            requestId: response.headers['x-request-id'],
          });
          expectNoInternals(response.text);
        },
      );
    });
  });
});
