import { DonationEntity } from '../../src/donations/entities/donation.entity';
import { DonationAlertsScheduler } from '../../src/scheduler/donation-alerts-scheduler';
import {
  clearSchedule,
  connectedStreamer,
  maxInAnyWindow,
  startDonationAlertsRig,
  tickFor,
  type DonationAlertsInstance,
  type DonationAlertsRig,
  type DonationAlertsStreamer,
} from '../support/donation-alerts';
import { DEPLOYMENTS } from '../support/deployments';

const TICK_MS = 100;
const SECOND = 1_000;
const MINUTE = 60 * SECOND;
/** These drive thousands of scheduler ticks; a loaded CI machine needs more than the default 30 s. */
const LONG_TEST_MS = 120_000;

describe(DonationAlertsScheduler.name, () => {
  describe.each(DEPLOYMENTS)('per-streamer rate limit on %s', (deployment) => {
    let rig: DonationAlertsRig;

    afterEach(async () => {
      await rig?.close();
    });

    function storedIds(instance: DonationAlertsInstance): Promise<number[]> {
      return instance.dataSource
        .getRepository(DonationEntity)
        .find()
        .then((rows) => rows.map(({ externalId }) => Number(externalId)).sort((a, b) => a - b));
    }

    it(
      'never calls DonationAlerts more than 10 times for a streamer in any sliding 60 s window (rate limit)',
      async () => {
        // A 1 s interval would poll 60 times a minute: only the rate limit keeps a streamer at 10.
        rig = await startDonationAlertsRig(deployment, { env: { DA_POLL_INTERVAL_MS: '1000' } });
        const instance = await rig.boot();
        const streamers = [
          await connectedStreamer(instance.app, rig.da, rig.clock),
          await connectedStreamer(instance.app, rig.da, rig.clock),
          await connectedStreamer(instance.app, rig.da, rig.clock),
        ];

        await tickFor([instance.scheduler], rig.clock, 5 * MINUTE, TICK_MS);

        for (const { daUserId } of streamers) {
          const calls = rig.da.donationCallTimesOf(daUserId);
          expect(maxInAnyWindow(calls, MINUTE)).toBeLessThanOrEqual(10);
          expect(calls.length).toBe(50);
        }
        expect(rig.da.rejectedForRate).toBe(0);
      },
      LONG_TEST_MS,
    );

    it(
      'delivers the first donation of a streamer without history while the streamer uses up its rate limit',
      async () => {
        rig = await startDonationAlertsRig(deployment);
        const instance = await rig.boot();
        const { daUserId } = await connectedStreamer(instance.app, rig.da, rig.clock);
        await tickFor([instance.scheduler], rig.clock, 2 * MINUTE, TICK_MS);
        const first = rig.da.addDonation(daUserId);

        await tickFor([instance.scheduler], rig.clock, 2 * MINUTE, TICK_MS);

        expect(maxInAnyWindow(rig.da.donationCallTimesOf(daUserId), MINUTE)).toBeLessThanOrEqual(10);
        expect(await storedIds(instance)).toEqual([first.id]);
      },
      LONG_TEST_MS,
    );

    it(
      'catches up with 45 donations that arrived while the streamer used up its rate limit',
      async () => {
        rig = await startDonationAlertsRig(deployment);
        const instance = await rig.boot();
        const { daUserId } = await connectedStreamer(instance.app, rig.da, rig.clock);
        rig.da.addDonation(daUserId);
        await tickFor([instance.scheduler], rig.clock, 2 * MINUTE, TICK_MS);
        const burst = rig.da.addDonations(
          daUserId,
          Array.from({ length: 45 }, () => ({})),
        );

        await tickFor([instance.scheduler], rig.clock, 3 * MINUTE, TICK_MS);

        expect(maxInAnyWindow(rig.da.donationCallTimesOf(daUserId), MINUTE)).toBeLessThanOrEqual(10);
        expect(await storedIds(instance)).toEqual(burst.map(({ id }) => id));
      },
      LONG_TEST_MS,
    );
  });

  describe.each(DEPLOYMENTS)('application rate limit on %s', (deployment) => {
    let rig: DonationAlertsRig;
    let instance: DonationAlertsInstance;

    beforeAll(async () => {
      rig = await startDonationAlertsRig(deployment, { fake: { appRateLimit: 60 } });
      instance = await rig.boot({ DA_APP_RATE_LIMIT: '60' });
    });

    afterAll(async () => {
      await rig?.close();
    });

    afterEach(async () => {
      await clearSchedule(instance.scheduler);
      rig.clock.advance(2 * MINUTE);
    });

    it(
      'stays within the application rate limit with 200 streamers and polls every one of them fairly, longest-waiting first',
      async () => {
        const streamers: DonationAlertsStreamer[] = [];
        for (let i = 0; i < 200; i += 1) {
          streamers.push(await connectedStreamer(instance.app, rig.da, rig.clock));
        }
        const budgetSeen: number[] = [];

        for (let minute = 0; minute < 10; minute += 1) {
          await tickFor([instance.scheduler], rig.clock, MINUTE, 250);
          budgetSeen.push((await instance.scheduler.appBudget()).used);
        }

        expect(rig.da.rejectedForRate).toBe(0);
        expect(maxInAnyWindow(rig.da.apiRequestTimes(), MINUTE)).toBeLessThanOrEqual(60);
        expect(Math.max(...budgetSeen)).toBeLessThanOrEqual(60);
        const polls = streamers.map(({ daUserId }) => rig.da.donationCallsOf(daUserId));
        expect(Math.min(...polls)).toBeGreaterThanOrEqual(2);
        // Round-robin up to the budget's edges: over ten minutes no streamer is more than two polls apart.
        expect(Math.max(...polls) - Math.min(...polls)).toBeLessThanOrEqual(2);
        const byUser = new Map(
          streamers.map(({ daUserId }) => [daUserId, rig.da.donationCallTimesOf(daUserId)]),
        );
        const firstPolls = [...byUser.values()].map((times) => times[0]).sort((a, b) => a - b);
        const secondPolls = [...byUser.values()].map((times) => times[1]).sort((a, b) => a - b);
        expect(firstPolls.at(-1)!).toBeLessThanOrEqual(secondPolls[0]);
      },
      LONG_TEST_MS,
    );

    it('waits at least Retry-After before polling again when DonationAlerts answers 429 (rate limit)', async () => {
      const { streamerId, daUserId } = await connectedStreamer(instance.app, rig.da, rig.clock);
      await instance.scheduler.tick();
      rig.clock.advance(5 * SECOND);
      rig.da.failNextDonations('rate-limited', 1, { userId: daUserId, retryAfterSeconds: 30 });

      await expect(instance.scheduler.tick()).resolves.toEqual([
        { status: 'failed', kind: 'rate-limited', retryInMs: 30 * SECOND },
      ]);
      const refusedAt = rig.clock.now();
      await tickFor([instance.scheduler], rig.clock, 30 * SECOND + TICK_MS, TICK_MS);

      expect(rig.da.donationCallTimesOf(daUserId).filter((time) => time > refusedAt)).toEqual([
        refusedAt + 30 * SECOND,
      ]);
      const [entry] = (await instance.scheduler.snapshot()).entries.filter(
        (scheduled) => scheduled.streamerId === streamerId,
      );
      expect(entry.state).toMatchObject({ consecutiveErrors: 0, errorsByKind: { 'rate-limited': 1 } });
    });

    it('waits for its own backoff when Retry-After is shorter (rate limit)', async () => {
      const { daUserId } = await connectedStreamer(instance.app, rig.da, rig.clock);
      await instance.scheduler.tick();
      rig.clock.advance(5 * SECOND);
      rig.da.failNextDonations('rate-limited', 1, { userId: daUserId, retryAfterSeconds: 2 });

      await expect(instance.scheduler.tick()).resolves.toEqual([
        { status: 'failed', kind: 'rate-limited', retryInMs: 10 * SECOND },
      ]);
    });
  });

  describe.each(DEPLOYMENTS)('application rate limit with token refreshes on %s', (deployment) => {
    let rig: DonationAlertsRig;
    let instance: DonationAlertsInstance;

    beforeAll(async () => {
      rig = await startDonationAlertsRig(deployment, { fake: { appRateLimit: 3 } });
      instance = await rig.boot({ DA_APP_RATE_LIMIT: '3' });
    });

    afterAll(async () => {
      await rig?.close();
    });

    it('never causes a 429 when a request is retried after refreshing an expired token (rate limit)', async () => {
      const expired = await connectedStreamer(instance.app, rig.da, rig.clock, { schedule: false });
      const others = [
        await connectedStreamer(instance.app, rig.da, rig.clock, { schedule: false }),
        await connectedStreamer(instance.app, rig.da, rig.clock, { schedule: false }),
      ];
      rig.da.expireAccessToken(expired.accessToken);

      const results = [
        await instance.scheduler.pollOne(expired.streamerId),
        await instance.scheduler.pollOne(others[0].streamerId),
        await instance.scheduler.pollOne(others[1].streamerId),
      ];

      expect(rig.da.calls.refreshToken).toBe(1);
      expect(results[0]).toEqual({ status: 'polled', newDonations: 0 });
      expect(rig.da.rejectedForRate).toBe(0);
      expect(maxInAnyWindow(rig.da.apiRequestTimes(), MINUTE)).toBeLessThanOrEqual(3);
    });
  });
});
