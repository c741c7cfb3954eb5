import { LockKeys, LockProvider, type Lease } from '../../libs/locks';
import type { Donation } from '../../src/donations/donation';
import { DonationCursorsRepository } from '../../src/donations/donation-cursors.repository';
import { StaleLeaseError } from '../../src/donations/donation-ingestor';
import { DonationEntity } from '../../src/donations/entities/donation.entity';
import { DonationPoller } from '../../src/scheduler/donation-poller';
import type { FakeDonation } from '../fakes/fake-donationalerts';
import {
  clearSchedule,
  connectedStreamer,
  receivedDonations,
  startDonationAlertsRig,
  type DonationAlertsInstance,
  type DonationAlertsRig,
  type DonationAlertsStreamer,
} from '../support/donation-alerts';
import { DEPLOYMENTS } from '../support/deployments';
import { waitFor } from '../support/waiting';

const FIVE_SECONDS = 5_000;

describe(DonationPoller.name, () => {
  describe.each(DEPLOYMENTS)('on %s', (deployment) => {
    let rig: DonationAlertsRig;
    let instance: DonationAlertsInstance;
    let received: Donation[];

    beforeAll(async () => {
      rig = await startDonationAlertsRig(deployment);
      instance = await rig.boot();
      received = receivedDonations(instance.app);
    });

    afterAll(async () => {
      await rig?.close();
    });

    beforeEach(() => {
      received.length = 0;
    });

    afterEach(async () => {
      await clearSchedule(instance.scheduler);
    });

    function streamer(): Promise<DonationAlertsStreamer> {
      return connectedStreamer(instance.app, rig.da, rig.clock);
    }

    /** Donations arriving one second apart, so their `created_at` differ. */
    function donate(daUserId: number, count: number, partial: Partial<FakeDonation> = {}): FakeDonation[] {
      const added: FakeDonation[] = [];
      for (let i = 0; i < count; i += 1) {
        rig.clock.advance(1_000);
        added.push(rig.da.addDonation(daUserId, partial));
      }
      return added;
    }

    /** The next poll of the streamer, after the base interval. */
    async function pollAgain(streamerId: string) {
      rig.clock.advance(FIVE_SECONDS);
      return instance.scheduler.pollOne(streamerId);
    }

    function storedDonations(streamerId: string): Promise<DonationEntity[]> {
      return instance.dataSource
        .getRepository(DonationEntity)
        .find({ where: { streamerId }, order: { createdAt: 'ASC', externalId: 'ASC' } });
    }

    async function cursorOf(streamerId: string): Promise<number | undefined> {
      return (await instance.app.get(DonationCursorsRepository).find(streamerId))?.lastDonationId;
    }

    const ids = (donations: Array<{ id: number }>): string[] => donations.map(({ id }) => String(id));
    const externalIds = (donations: Array<{ externalId: string }>): string[] =>
      donations.map(({ externalId }) => externalId);

    it('starts a newly connected streamer at the newest donation and alerts nothing from the history', async () => {
      const { streamerId, daUserId } = await streamer();
      const history = donate(daUserId, 40);

      await expect(instance.scheduler.pollOne(streamerId)).resolves.toEqual({
        status: 'polled',
        newDonations: 0,
      });

      expect(await cursorOf(streamerId)).toBe(history.at(-1)!.id);
      expect(await storedDonations(streamerId)).toEqual([]);
      expect(received).toEqual([]);
      expect(rig.da.donationCallsOf(daUserId)).toBe(1);
      const [fresh] = donate(daUserId, 1);
      await expect(pollAgain(streamerId)).resolves.toEqual({ status: 'polled', newDonations: 1 });
      expect(externalIds(received)).toEqual([String(fresh.id)]);
    });

    it('alerts the first donation of a streamer who had none when connecting', async () => {
      const { streamerId, daUserId } = await streamer();
      await instance.scheduler.pollOne(streamerId);
      expect(await cursorOf(streamerId)).toBe(0);

      const [first] = donate(daUserId, 1);

      await expect(pollAgain(streamerId)).resolves.toEqual({ status: 'polled', newDonations: 1 });
      expect(externalIds(received)).toEqual([String(first.id)]);
      expect(await cursorOf(streamerId)).toBe(first.id);
    });

    it('asks DonationAlerts for one page when the new donations all fit on the last page', async () => {
      const { streamerId, daUserId } = await streamer();
      await instance.scheduler.pollOne(streamerId);
      donate(daUserId, 3);
      const callsBefore = rig.da.donationCallsOf(daUserId);

      await expect(pollAgain(streamerId)).resolves.toEqual({ status: 'polled', newDonations: 3 });

      expect(rig.da.donationCallsOf(daUserId) - callsBefore).toBe(1);
    });

    it('stores all 45 donations that arrived between two polls once each and announces them oldest first', async () => {
      const { streamerId, daUserId } = await streamer();
      donate(daUserId, 3);
      await instance.scheduler.pollOne(streamerId);
      const arrived = donate(daUserId, 45);
      const callsBefore = rig.da.donationCallsOf(daUserId);

      await expect(pollAgain(streamerId)).resolves.toEqual({ status: 'polled', newDonations: 45 });

      expect(rig.da.donationCallsOf(daUserId) - callsBefore).toBe(2);
      expect(externalIds(received)).toEqual(ids(arrived));
      expect(externalIds(await storedDonations(streamerId))).toEqual(ids(arrived));
      expect(await cursorOf(streamerId)).toBe(arrived.at(-1)!.id);
    });

    it('stores nothing twice and alerts nothing again on repeated polls', async () => {
      const { streamerId, daUserId } = await streamer();
      await instance.scheduler.pollOne(streamerId);
      const arrived = donate(daUserId, 31);
      await pollAgain(streamerId);

      const again = [await pollAgain(streamerId), await pollAgain(streamerId), await pollAgain(streamerId)];

      expect(again).toEqual(Array(3).fill({ status: 'polled', newDonations: 0 }));
      expect(externalIds(received)).toEqual(ids(arrived));
      expect(externalIds(await storedDonations(streamerId))).toEqual(ids(arrived));
    });

    it('stores DonationAlerts fields exactly: anonymous donor null, UTC time, exact amounts', async () => {
      const { streamerId, daUserId } = await streamer();
      await instance.scheduler.pollOne(streamerId);
      const [anonymous, large, named] = rig.da.addDonations(daUserId, [
        { username: null, amount: 0.1, currency: 'USD', created_at: '2024-03-05 07:08:09', message: 'hi' },
        { username: 'Whale', amount: 12345678.99, currency: 'RUB', created_at: '2024-03-05 07:08:10' },
        { username: 'Viewer', amount: 100, currency: 'EUR', created_at: '2024-03-05 23:59:59' },
      ]);

      await pollAgain(streamerId);

      const rows = await storedDonations(streamerId);
      expect(
        rows.map(({ externalId, donorName, amount, currency, createdAt, channel }) => ({
          externalId,
          donorName,
          amount,
          currency,
          createdAt,
          channel,
        })),
      ).toEqual([
        {
          externalId: String(anonymous.id),
          donorName: null,
          amount: '0.10',
          currency: 'USD',
          createdAt: Date.UTC(2024, 2, 5, 7, 8, 9),
          channel: 'poll',
        },
        {
          externalId: String(large.id),
          donorName: 'Whale',
          amount: '12345678.99',
          currency: 'RUB',
          createdAt: Date.UTC(2024, 2, 5, 7, 8, 10),
          channel: 'poll',
        },
        {
          externalId: String(named.id),
          donorName: 'Viewer',
          amount: '100.00',
          currency: 'EUR',
          createdAt: Date.UTC(2024, 2, 5, 23, 59, 59),
          channel: 'poll',
        },
      ]);
      expect(received.map(({ donorName, amount }) => ({ donorName, amount }))).toEqual([
        { donorName: null, amount: '0.10' },
        { donorName: 'Whale', amount: '12345678.99' },
        { donorName: 'Viewer', amount: '100.00' },
      ]);
    });

    it('stores the new donations of several streamers polled in the same tick', async () => {
      const streamers = [await streamer(), await streamer(), await streamer(), await streamer()];
      await instance.scheduler.tick();
      const arrived = streamers.map(({ daUserId }) => donate(daUserId, 2));
      rig.clock.advance(FIVE_SECONDS);

      const results = await instance.scheduler.tick();

      expect(results).toEqual(Array(4).fill({ status: 'polled', newDonations: 2 }));
      for (const [i, { streamerId }] of streamers.entries()) {
        expect(externalIds(await storedDonations(streamerId))).toEqual(ids(arrived[i]));
      }
      expect(externalIds(received).sort()).toEqual(ids(arrived.flat()).sort());
    });

    describe('when the database fails between fetch and commit', () => {
      const TRIGGER = 'test_fail_before_commit';

      /** A trigger that aborts the ingest transaction when it writes to `table` (on the given row only). */
      async function failWritesTo(table: 'donations' | 'donation_cursors', onlyExternalId?: string) {
        if (deployment === 'sqlite') {
          const when = onlyExternalId === undefined ? '' : `WHEN NEW.external_id = '${onlyExternalId}'`;
          for (const event of table === 'donations' ? ['INSERT'] : ['INSERT', 'UPDATE']) {
            await instance.dataSource.query(
              `CREATE TRIGGER ${TRIGGER}_${event.toLowerCase()} BEFORE ${event} ON ${table} ${when}
               BEGIN SELECT RAISE(ABORT, 'simulated crash before commit'); END`,
            );
          }
          return;
        }
        await instance.dataSource.query(
          `CREATE OR REPLACE FUNCTION ${TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN RAISE EXCEPTION 'simulated crash before commit'; END $$`,
        );
        const when = onlyExternalId === undefined ? '' : `WHEN (NEW.external_id = '${onlyExternalId}')`;
        await instance.dataSource.query(
          `CREATE TRIGGER ${TRIGGER} BEFORE INSERT OR UPDATE ON ${table} FOR EACH ROW ${when}
           EXECUTE FUNCTION ${TRIGGER}()`,
        );
      }

      async function recover(table: 'donations' | 'donation_cursors') {
        if (deployment === 'sqlite') {
          await instance.dataSource.query(`DROP TRIGGER IF EXISTS ${TRIGGER}_insert`);
          await instance.dataSource.query(`DROP TRIGGER IF EXISTS ${TRIGGER}_update`);
          return;
        }
        await instance.dataSource.query(`DROP TRIGGER IF EXISTS ${TRIGGER} ON ${table}`);
      }

      it('leaves no gap and no duplicate when an insert fails after others in the same transaction', async () => {
        const { streamerId, daUserId } = await streamer();
        await instance.scheduler.pollOne(streamerId);
        const cursor = await cursorOf(streamerId);
        const arrived = donate(daUserId, 5);
        await failWritesTo('donations', String(arrived[2].id));

        const failed = await pollAgain(streamerId).finally(() => recover('donations'));

        expect(failed).toMatchObject({ status: 'failed', kind: 'internal' });
        expect(await storedDonations(streamerId)).toEqual([]);
        expect(await cursorOf(streamerId)).toBe(cursor);
        expect(received).toEqual([]);
        const later = donate(daUserId, 2);
        rig.clock.advance((failed as { retryInMs: number }).retryInMs);
        await expect(instance.scheduler.pollOne(streamerId)).resolves.toEqual({
          status: 'polled',
          newDonations: 7,
        });
        await expect(pollAgain(streamerId)).resolves.toEqual({ status: 'polled', newDonations: 0 });
        expect(externalIds(received)).toEqual(ids([...arrived, ...later]));
        expect(externalIds(await storedDonations(streamerId))).toEqual(ids([...arrived, ...later]));
        expect(await cursorOf(streamerId)).toBe(later.at(-1)!.id);
      });

      it('leaves no gap and no duplicate when the cursor write fails after the inserts', async () => {
        const { streamerId, daUserId } = await streamer();
        await instance.scheduler.pollOne(streamerId);
        const cursor = await cursorOf(streamerId);
        const arrived = donate(daUserId, 4);
        await failWritesTo('donation_cursors');

        const failed = await pollAgain(streamerId).finally(() => recover('donation_cursors'));

        expect(failed).toMatchObject({ status: 'failed', kind: 'internal' });
        expect(await storedDonations(streamerId)).toEqual([]);
        expect(await cursorOf(streamerId)).toBe(cursor);
        expect(received).toEqual([]);
        await expect(pollAgain(streamerId)).resolves.toEqual({ status: 'polled', newDonations: 4 });
        await expect(pollAgain(streamerId)).resolves.toEqual({ status: 'polled', newDonations: 0 });
        expect(externalIds(received)).toEqual(ids(arrived));
        expect(externalIds(await storedDonations(streamerId))).toEqual(ids(arrived));
      });
    });

    describe('with a stale lock holder', () => {
      const SHORT_TTL_MS = 150;

      /** Takes the streamer's poll lock once the previous lease ran out (real time: leases expire in Redis/SQL). */
      async function takeOverFrom(stale: Lease): Promise<Lease> {
        const locks = instance.app.get(LockProvider);
        let lease: Lease | null = null;
        await waitFor(async () => (lease = await locks.tryLock(stale.key, 10_000)) !== null, {
          what: 'the stale lease running out',
        });
        return lease!;
      }

      it("refuses the stale holder's cursor write and stores nothing for it", async () => {
        const { streamerId, daUserId } = await streamer();
        await instance.scheduler.pollOne(streamerId);
        const locks = instance.app.get(LockProvider);
        const stale = (await locks.tryLock(LockKeys.streamerPoll(streamerId), SHORT_TTL_MS))!;
        const current = await takeOverFrom(stale);
        expect(current.token).toBeGreaterThan(stale.token);
        const first = donate(daUserId, 3);
        const poller = instance.app.get(DonationPoller);
        await expect(poller.poll(streamerId, current.token)).resolves.toMatchObject({ newDonations: 3 });
        const late = donate(daUserId, 2);

        await expect(poller.poll(streamerId, stale.token)).rejects.toBeInstanceOf(StaleLeaseError);

        expect(await cursorOf(streamerId)).toBe(first.at(-1)!.id);
        expect(externalIds(await storedDonations(streamerId))).toEqual(ids(first));
        expect(externalIds(received)).toEqual(ids(first));
        const cursors = instance.app.get(DonationCursorsRepository);
        await expect(cursors.advance(streamerId, late.at(-1)!.id, stale.token)).resolves.toBe(false);
        await expect(cursors.find(streamerId)).resolves.toMatchObject({
          lastDonationId: first.at(-1)!.id,
          fencingToken: current.token,
        });
        await current.release();
        await expect(pollAgain(streamerId)).resolves.toEqual({ status: 'polled', newDonations: 2 });
        expect(externalIds(received)).toEqual(ids([...first, ...late]));
      });
    });
  });
});
