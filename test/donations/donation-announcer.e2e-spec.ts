import { randomUUID } from 'node:crypto';
import type { Donation } from '../../src/donations/donation';
import { ANNOUNCE_GRACE_MS, DonationAnnouncer } from '../../src/donations/donation-announcer';
import { DonationEntity } from '../../src/donations/entities/donation.entity';
import { StreamersRepository } from '../../src/streamers/streamers.repository';
import {
  listenOnBus,
  receivedDonations,
  startDonationAlertsRig,
  type DonationAlertsInstance,
  type DonationAlertsRig,
} from '../support/donation-alerts';
import { DEPLOYMENTS } from '../support/deployments';

let externalId = 2_000_000;

/** The `donation.received` payload of a stored row: the row without its bookkeeping column. */
function asAnnounced(row: DonationEntity): Donation {
  const payload: Partial<DonationEntity> = { ...row };
  delete payload.announcedAt;
  return payload as Donation;
}
let streamerNumber = 0;

describe(DonationAnnouncer.name, () => {
  describe.each(DEPLOYMENTS)('on %s', (deployment) => {
    let rig: DonationAlertsRig;
    let instance: DonationAlertsInstance;
    let announcer: DonationAnnouncer;
    let received: Donation[];

    beforeAll(async () => {
      rig = await startDonationAlertsRig(deployment);
      instance = await rig.boot();
      announcer = instance.app.get(DonationAnnouncer);
      received = receivedDonations(instance.app);
    });

    afterAll(async () => {
      await rig?.close();
    });

    beforeEach(async () => {
      // Leftovers of an earlier test must not count as pending in this one.
      await instance.dataSource.query('UPDATE donations SET announced_at = 0 WHERE announced_at IS NULL');
      received.length = 0;
    });

    async function newStreamer(): Promise<string> {
      streamerNumber += 1;
      return (
        await instance.app.get(StreamersRepository).create({
          twitchId: String(62_000_000 + streamerNumber),
          login: `announce_${streamerNumber}`,
          displayName: `Announce_${streamerNumber}`,
        })
      ).id;
    }

    /** A row as the ingestor commits it, for a process that died before announcing it (announced_at NULL). */
    async function storedWithoutAnnouncement(
      streamerId: string,
      receivedAgoMs: number,
      announcedAt: number | null = null,
    ): Promise<DonationEntity> {
      externalId += 1;
      const row: DonationEntity = {
        id: randomUUID(),
        streamerId,
        provider: 'donationalerts',
        externalId: String(externalId),
        channel: 'poll',
        donorName: null,
        amount: '12345678.99',
        currency: 'RUB',
        message: 'before the crash',
        createdAt: rig.clock.now() - receivedAgoMs - 1_000,
        receivedAt: rig.clock.now() - receivedAgoMs,
        announcedAt,
      };
      await instance.dataSource.getRepository(DonationEntity).insert(row);
      return row;
    }

    async function announcedAtOf(id: string): Promise<number | null> {
      return (await instance.dataSource.getRepository(DonationEntity).findOneByOrFail({ id })).announcedAt;
    }

    it('announces donations stored without an announcement, oldest first, and marks them announced', async () => {
      const streamerId = await newStreamer();
      const bus = await listenOnBus(instance.app, streamerId);
      const newer = await storedWithoutAnnouncement(streamerId, 20_000);
      const older = await storedWithoutAnnouncement(streamerId, 60_000);
      const announced = await storedWithoutAnnouncement(streamerId, 60_000, rig.clock.now() - 59_000);

      await expect(announcer.announcePending()).resolves.toBe(2);

      const [olderDonation, newerDonation] = [older, newer].map(asAnnounced);
      expect(received).toEqual([olderDonation, newerDonation]);
      await bus.received(2);
      expect(bus.messages.map(({ payload }) => payload)).toEqual([olderDonation, newerDonation]);
      expect(await announcedAtOf(older.id)).toBe(rig.clock.now());
      expect(await announcedAtOf(newer.id)).toBe(rig.clock.now());
      expect(await announcedAtOf(announced.id)).toBe(announced.announcedAt);
    });

    it('announces nothing twice on the next run', async () => {
      const streamerId = await newStreamer();
      await storedWithoutAnnouncement(streamerId, 30_000);
      await announcer.announcePending();

      await expect(announcer.announcePending()).resolves.toBe(0);

      expect(received).toHaveLength(1);
    });

    it('leaves a donation stored within the grace period to the ingest that is announcing it', async () => {
      const streamerId = await newStreamer();
      const recent = await storedWithoutAnnouncement(streamerId, 1_000);

      await expect(announcer.announcePending()).resolves.toBe(0);
      expect(received).toEqual([]);
      expect(await announcedAtOf(recent.id)).toBeNull();

      rig.clock.advance(ANNOUNCE_GRACE_MS);
      await expect(announcer.announcePending()).resolves.toBe(1);
      expect(received.map(({ id }) => id)).toEqual([recent.id]);
    });
  });
});
