import { DonationEntity } from '../../src/donations/entities/donation.entity';
import { DonationAlertsScheduler, type PollResult } from '../../src/scheduler/donation-alerts-scheduler';
import { DonationPoller } from '../../src/scheduler/donation-poller';
import {
  connectedStreamer,
  maxInAnyWindow,
  receivedDonations,
  startDonationAlertsRig,
  type DonationAlertsInstance,
  type DonationAlertsRig,
  type DonationAlertsStreamer,
} from '../support/donation-alerts';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
/** Real milliseconds every DonationAlerts answer takes, so polls last long enough to overlap. */
const LATENCY_MS = 25;

/** Watches every poll of every instance in this process: how many run at once per streamer. */
class PollWatcher {
  private readonly inFlight = new Map<string, number>();
  private readonly most = new Map<string, number>();
  private readonly waiting: Array<{ streamerId: string; resolve: () => void }> = [];
  private readonly spy: jest.SpyInstance;

  constructor() {
    const original = DonationPoller.prototype.poll;
    const started = (streamerId: string): void => this.started(streamerId);
    const finished = (streamerId: string): void => {
      this.inFlight.set(streamerId, this.inFlight.get(streamerId)! - 1);
    };
    this.spy = jest.spyOn(DonationPoller.prototype, 'poll').mockImplementation(async function (
      this: DonationPoller,
      streamerId,
      fencingToken,
    ) {
      started(streamerId);
      try {
        return await original.call(this, streamerId, fencingToken);
      } finally {
        finished(streamerId);
      }
    });
  }

  /** The most polls of one streamer that ever ran at the same time. */
  maxAtOnce(): number {
    return Math.max(0, ...this.most.values());
  }

  /** Resolves when a poll of the streamer has begun. */
  pollStarted(streamerId: string): Promise<void> {
    return new Promise((resolve) => this.waiting.push({ streamerId, resolve }));
  }

  restore(): void {
    this.spy.mockRestore();
  }

  private started(streamerId: string): void {
    const now = (this.inFlight.get(streamerId) ?? 0) + 1;
    this.inFlight.set(streamerId, now);
    this.most.set(streamerId, Math.max(now, this.most.get(streamerId) ?? 0));
    for (const waiter of this.waiting.filter((candidate) => candidate.streamerId === streamerId)) {
      this.waiting.splice(this.waiting.indexOf(waiter), 1);
      waiter.resolve();
    }
  }
}

describe(DonationAlertsScheduler.name, () => {
  describe('two instances sharing PostgreSQL and Redis', () => {
    let rig: DonationAlertsRig;
    let instances: DonationAlertsInstance[];
    let watcher: PollWatcher;

    beforeEach(async () => {
      rig = await startDonationAlertsRig('postgres+redis', { fake: { latencyMs: LATENCY_MS } });
      instances = [await rig.boot(), await rig.boot()];
      watcher = new PollWatcher();
    });

    afterEach(async () => {
      watcher?.restore();
      await rig?.close();
    });

    it('never polls one streamer from both at once while both tick, and stores every donation once', async () => {
      const emitted = instances.map((instance) => receivedDonations(instance.app));
      const streamers: DonationAlertsStreamer[] = [];
      for (let i = 0; i < 8; i += 1) {
        const streamer = await connectedStreamer(instances[i % 2].app, rig.da, rig.clock);
        rig.da.addDonation(streamer.daUserId);
        streamers.push(streamer);
      }
      const results: PollResult[][] = [[], []];
      const donated: number[] = [];

      for (let elapsed = 0; elapsed < 3 * MINUTE; elapsed += 500) {
        if (elapsed > 0 && elapsed % (5 * SECOND) === 0) {
          donated.push(rig.da.addDonation(streamers[(elapsed / (5 * SECOND)) % 8].daUserId).id);
        }
        const ticks = await Promise.all(instances.map((instance) => instance.scheduler.tick()));
        ticks.forEach((batch, i) => results[i].push(...batch));
        rig.clock.advance(500);
      }
      for (let i = 0; i < 2 * MINUTE; i += 500) {
        await Promise.all(instances.map((instance) => instance.scheduler.tick()));
        rig.clock.advance(500);
      }

      expect(watcher.maxAtOnce()).toBe(1);
      expect(results.map((batch) => batch.some(({ status }) => status === 'polled'))).toEqual([true, true]);
      const stored = await instances[0].dataSource.getRepository(DonationEntity).find();
      expect(stored.map(({ externalId }) => Number(externalId)).sort((a, b) => a - b)).toEqual(donated);
      expect(
        emitted
          .flat()
          .map(({ externalId }) => Number(externalId))
          .sort((a, b) => a - b),
      ).toEqual(donated);
      for (const { daUserId } of streamers) {
        expect(maxInAnyWindow(rig.da.donationCallTimesOf(daUserId), MINUTE)).toBeLessThanOrEqual(10);
      }
      expect(rig.da.rejectedForRate).toBe(0);
    });

    it('lets exactly one of them poll a streamer both try to poll at the same moment', async () => {
      const { streamerId, daUserId } = await connectedStreamer(instances[0].app, rig.da, rig.clock);

      const results = await Promise.all(instances.map((instance) => instance.scheduler.pollOne(streamerId)));

      expect(results).toEqual(
        expect.arrayContaining([
          { status: 'polled', newDonations: 0 },
          { status: 'deferred', reason: 'polled by another instance', retryInMs: expect.any(Number) },
        ]),
      );
      expect(rig.da.donationCallsOf(daUserId)).toBe(1);
      expect(watcher.maxAtOnce()).toBe(1);
    });

    it('keeps a streamer whose claim ran out mid-poll from being polled by the other instance', async () => {
      const { streamerId, daUserId } = await connectedStreamer(instances[0].app, rig.da, rig.clock);
      rig.da.addDonation(daUserId);
      await instances[0].scheduler.pollOne(streamerId);
      rig.da.addDonations(daUserId, [{}, {}]);
      rig.clock.advance(5 * SECOND);
      const polling = watcher.pollStarted(streamerId);

      const first = instances[0].scheduler.tick();
      await polling;
      rig.clock.advance(instances[0].config.scheduler.lockTtlMs * 2 + SECOND);
      const second = await instances[1].scheduler.tick();

      expect(second).toEqual([
        { status: 'deferred', reason: 'polled by another instance', retryInMs: expect.any(Number) },
      ]);
      await expect(first).resolves.toEqual([{ status: 'polled', newDonations: 2 }]);
      expect(watcher.maxAtOnce()).toBe(1);
      await expect(
        instances[1].dataSource.getRepository(DonationEntity).countBy({ streamerId }),
      ).resolves.toBe(2);
    });
  });
});
