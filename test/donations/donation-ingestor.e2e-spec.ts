import type { Donation, IncomingDonation } from '../../src/donations/donation';
import { DonationEvents } from '../../src/donations/donations.events';
import { DonationCursorsRepository } from '../../src/donations/donation-cursors.repository';
import { DonationIngestor, StaleLeaseError, type IngestRequest } from '../../src/donations/donation-ingestor';
import {
  DonationEntity,
  type DonationChannel,
  type DonationProvider,
} from '../../src/donations/entities/donation.entity';
import { StreamersRepository } from '../../src/streamers/streamers.repository';
import {
  listenOnBus,
  receivedDonations,
  startDonationAlertsRig,
  type DonationAlertsInstance,
  type DonationAlertsRig,
} from '../support/donation-alerts';
import { DEPLOYMENTS } from '../support/deployments';

let donationNumber = 0;
let streamerNumber = 0;

/** A donation as a source reports it; ids increase with time, like DonationAlerts ids. */
function incoming(overrides: Partial<IncomingDonation> = {}): IncomingDonation {
  donationNumber += 1;
  return {
    externalId: String(1_000_000 + donationNumber),
    donorName: `Donor ${donationNumber}`,
    amount: '100.00',
    currency: 'RUB',
    message: `Donation ${donationNumber}`,
    createdAt: Date.UTC(2025, 0, 1) + donationNumber * 1000,
    ...overrides,
  };
}

const externalIds = (donations: Array<{ externalId: string }>): string[] =>
  donations.map(({ externalId }) => externalId);

describe(DonationIngestor.name, () => {
  describe.each(DEPLOYMENTS)('on %s', (deployment) => {
    let rig: DonationAlertsRig;
    let instance: DonationAlertsInstance;
    let ingestor: DonationIngestor;
    let received: Donation[];

    beforeAll(async () => {
      rig = await startDonationAlertsRig(deployment);
      instance = await rig.boot();
      ingestor = instance.app.get(DonationIngestor);
      received = receivedDonations(instance.app);
    });

    afterAll(async () => {
      await rig?.close();
    });

    beforeEach(() => {
      received.length = 0;
    });

    async function newStreamer(): Promise<string> {
      streamerNumber += 1;
      const streamer = await instance.app.get(StreamersRepository).create({
        twitchId: String(60_000_000 + streamerNumber),
        login: `ingest_${streamerNumber}`,
        displayName: `Ingest_${streamerNumber}`,
      });
      return streamer.id;
    }

    function ingest(
      streamerId: string,
      channel: DonationChannel,
      donations: IncomingDonation[],
      extra: Partial<IngestRequest> = {},
    ): Promise<Donation[]> {
      return ingestor.ingest({ streamerId, provider: 'donationalerts', channel, donations, ...extra });
    }

    function rows(streamerId: string, provider?: DonationProvider): Promise<DonationEntity[]> {
      return instance.dataSource.getRepository(DonationEntity).find({
        where: { streamerId, ...(provider && { provider }) },
        order: { createdAt: 'ASC', externalId: 'ASC' },
      });
    }

    it('stores a donation once whatever channel brings it, recording the channel of the first', async () => {
      const streamerId = await newStreamer();
      const [polledFirst, pushedFirst] = [incoming(), incoming()];

      await ingest(streamerId, 'poll', [polledFirst]);
      await ingest(streamerId, 'webhook', [polledFirst, pushedFirst]);
      await ingest(streamerId, 'realtime', [polledFirst, pushedFirst]);
      await ingest(streamerId, 'poll', [pushedFirst]);

      expect((await rows(streamerId)).map(({ externalId, channel }) => ({ externalId, channel }))).toEqual([
        { externalId: polledFirst.externalId, channel: 'poll' },
        { externalId: pushedFirst.externalId, channel: 'webhook' },
      ]);
      expect(received.map(({ externalId, channel }) => ({ externalId, channel }))).toEqual([
        { externalId: polledFirst.externalId, channel: 'poll' },
        { externalId: pushedFirst.externalId, channel: 'webhook' },
      ]);
    });

    it('keeps a test alert apart from a DonationAlerts donation with the same id: the provider is in the key', async () => {
      const streamerId = await newStreamer();
      const donation = incoming();

      await ingest(streamerId, 'poll', [donation]);
      await ingestor.ingest({ streamerId, provider: 'test', channel: 'test', donations: [donation] });
      await ingestor.ingest({ streamerId, provider: 'test', channel: 'test', donations: [donation] });

      expect((await rows(streamerId)).map(({ provider, channel }) => ({ provider, channel }))).toEqual([
        { provider: 'donationalerts', channel: 'poll' },
        { provider: 'test', channel: 'test' },
      ]);
      expect(received).toHaveLength(2);
    });

    it('emits donation.received and publishes on the bus for newly stored donations only, oldest first', async () => {
      const streamerId = await newStreamer();
      const bus = await listenOnBus(instance.app, streamerId);
      const [oldest, middle, newest, known] = [incoming(), incoming(), incoming(), incoming()];
      await ingest(streamerId, 'webhook', [known]);
      await bus.received(1);

      const stored = await ingest(streamerId, 'poll', [newest, known, oldest, middle]);
      await ingest(streamerId, 'realtime', [middle, known]);
      const sentinel = incoming();
      await ingest(streamerId, 'webhook', [sentinel]);
      await bus.received(5);

      const expected = [oldest, middle, newest].map(({ externalId }) => externalId);
      expect(externalIds(stored)).toEqual(expected);
      expect(externalIds(received)).toEqual([known.externalId, ...expected, sentinel.externalId]);
      expect(received.slice(1, 4)).toEqual(stored);
      expect(bus.messages.map(({ payload }) => payload)).toEqual(received);
      expect(bus.messages.every(({ topic }) => topic === DonationEvents.received)).toBe(true);
      expect((await rows(streamerId)).every(({ announcedAt }) => announcedAt === rig.clock.now())).toBe(true);
    });

    it('stores each donation once and emits it once when 10 ingests of the same donations run at once', async () => {
      const streamerId = await newStreamer();
      const donations = Array.from({ length: 20 }, () => incoming());
      const channels: DonationChannel[] = ['poll', 'webhook', 'realtime'];

      const settled = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) =>
          ingest(streamerId, channels[i % channels.length], i % 2 ? [...donations].reverse() : donations),
        ),
      );

      expect(settled.filter(({ status }) => status === 'rejected')).toEqual([]);
      const results = settled.map((result) => (result.status === 'fulfilled' ? result.value : []));
      const expected = externalIds(donations);
      expect(externalIds(results.flat()).sort()).toEqual([...expected].sort());
      expect(externalIds(await rows(streamerId))).toEqual(expected);
      expect(externalIds(received).sort()).toEqual([...expected].sort());
    });

    it("never undoes another ingest's donations when an ingest running at the same time fails", async () => {
      const streamerId = await newStreamer();
      await ingest(streamerId, 'poll', [], { cursor: { lastDonationId: 1, fencingToken: 1_000 } });
      const pushed = Array.from({ length: 5 }, () => incoming());
      const polledByStaleHolder = incoming();

      const [stale, ...pushes] = await Promise.allSettled([
        ingest(streamerId, 'poll', [polledByStaleHolder], {
          cursor: { lastDonationId: Number(polledByStaleHolder.externalId), fencingToken: 999 },
        }),
        ...pushed.map((donation) => ingest(streamerId, 'webhook', [donation])),
      ]);

      expect(stale).toMatchObject({ status: 'rejected', reason: expect.any(StaleLeaseError) });
      expect(pushes.map(({ status }) => status)).toEqual(Array(5).fill('fulfilled'));
      expect(externalIds(await rows(streamerId))).toEqual(externalIds(pushed));
      expect(externalIds(received).sort()).toEqual(externalIds(pushed).sort());
    });

    describe('with a fencing token', () => {
      it('refuses a stale token with StaleLeaseError, storing nothing and leaving the cursor alone', async () => {
        const streamerId = await newStreamer();
        const cursors = instance.app.get(DonationCursorsRepository);
        const first = incoming();
        await ingest(streamerId, 'poll', [first], {
          cursor: { lastDonationId: Number(first.externalId), fencingToken: 200 },
        });
        const late = incoming();

        await expect(
          ingest(streamerId, 'poll', [late], {
            cursor: { lastDonationId: Number(late.externalId), fencingToken: 199 },
          }),
        ).rejects.toBeInstanceOf(StaleLeaseError);

        expect(externalIds(await rows(streamerId))).toEqual([first.externalId]);
        expect(externalIds(received)).toEqual([first.externalId]);
        await expect(cursors.find(streamerId)).resolves.toMatchObject({
          lastDonationId: Number(first.externalId),
          fencingToken: 200,
        });
      });

      it('moves the cursor forward only, even for a newer token', async () => {
        const streamerId = await newStreamer();
        const cursors = instance.app.get(DonationCursorsRepository);
        await ingest(streamerId, 'poll', [], { cursor: { lastDonationId: 500, fencingToken: 7 } });

        await ingest(streamerId, 'poll', [], { cursor: { lastDonationId: 300, fencingToken: 8 } });

        await expect(cursors.find(streamerId)).resolves.toMatchObject({
          lastDonationId: 500,
          fencingToken: 8,
        });
      });

      it('leaves the cursor alone when a push channel stores a donation', async () => {
        const streamerId = await newStreamer();
        const cursors = instance.app.get(DonationCursorsRepository);
        await ingest(streamerId, 'poll', [], { cursor: { lastDonationId: 10, fencingToken: 1 } });

        await ingest(streamerId, 'webhook', [incoming()]);

        await expect(cursors.find(streamerId)).resolves.toMatchObject({ lastDonationId: 10 });
      });
    });

    it('keeps amounts exact and an anonymous donor null', async () => {
      const streamerId = await newStreamer();
      const donations = [
        incoming({ amount: '0.10', donorName: null }),
        incoming({ amount: '12345678.99' }),
        incoming({ amount: '0.01' }),
        incoming({ amount: '9999999999.99' }),
      ];

      await ingest(streamerId, 'poll', donations);

      const stored = await rows(streamerId);
      expect(stored.map(({ amount, donorName }) => ({ amount, donorName }))).toEqual([
        { amount: '0.10', donorName: null },
        { amount: '12345678.99', donorName: donations[1].donorName },
        { amount: '0.01', donorName: donations[2].donorName },
        { amount: '9999999999.99', donorName: donations[3].donorName },
      ]);
      expect(received.map(({ amount, donorName }) => ({ amount, donorName }))).toEqual(
        stored.map(({ amount, donorName }) => ({ amount, donorName })),
      );
    });
  });

  describe('on two instances sharing PostgreSQL and Redis', () => {
    let rig: DonationAlertsRig;
    let instances: DonationAlertsInstance[];

    beforeAll(async () => {
      rig = await startDonationAlertsRig('postgres+redis');
      instances = [await rig.boot(), await rig.boot()];
    });

    afterAll(async () => {
      await rig?.close();
    });

    it('stores each donation once and emits it exactly once cluster-wide when both ingest the same donations at once', async () => {
      const emitted = instances.map((instance) => receivedDonations(instance.app));
      const streamer = await instances[0].app.get(StreamersRepository).create({
        twitchId: '61000001',
        login: 'cluster_ingest',
        displayName: 'Cluster_Ingest',
      });
      const bus = await listenOnBus(instances[0].app, streamer.id);
      const donations = Array.from({ length: 30 }, () => incoming());

      await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          instances[i % 2].app.get(DonationIngestor).ingest({
            streamerId: streamer.id,
            provider: 'donationalerts',
            channel: i % 3 === 0 ? 'poll' : 'webhook',
            donations: i % 2 ? [...donations].reverse() : donations,
          }),
        ),
      );
      const sentinel = incoming();
      await instances[1].app.get(DonationIngestor).ingest({
        streamerId: streamer.id,
        provider: 'donationalerts',
        channel: 'webhook',
        donations: [sentinel],
      });
      await bus.received(31);

      const expected = [...externalIds(donations), sentinel.externalId].sort();
      expect(externalIds(emitted.flat()).sort()).toEqual(expected);
      expect(bus.messages.map(({ payload }) => payload.externalId).sort()).toEqual(expected);
      for (const perInstance of emitted) {
        const order = externalIds(perInstance);
        expect(order).toEqual([...order].sort());
      }
      const stored = await instances[1].dataSource
        .getRepository(DonationEntity)
        .find({ where: { streamerId: streamer.id } });
      expect(externalIds(stored).sort()).toEqual(expected);
    });
  });
});
