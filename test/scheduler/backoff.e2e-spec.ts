import request from 'supertest';
import { DonationAlertsScheduler } from '../../src/scheduler/donation-alerts-scheduler';
import {
  clearSchedule,
  connectedStreamer,
  startDonationAlertsRig,
  tickFor,
  type DonationAlertsInstance,
  type DonationAlertsRig,
  type DonationAlertsStreamer,
} from '../support/donation-alerts';
import { RecordingLogger } from '../support/recording-logger';
import { ADMIN_API_KEY } from '../support/admin';
import { DEPLOYMENTS } from '../support/deployments';

const TICK_MS = 100;
const SECOND = 1_000;

/** Gaps between consecutive times, in seconds. */
function gapsInSeconds(times: number[]): number[] {
  return times.slice(1).map((time, i) => (time - times[i]) / SECOND);
}

describe(DonationAlertsScheduler.name, () => {
  describe.each(DEPLOYMENTS)('backoff on %s', (deployment) => {
    let rig: DonationAlertsRig;
    let instance: DonationAlertsInstance;
    let logs: RecordingLogger;

    beforeAll(async () => {
      rig = await startDonationAlertsRig(deployment);
      logs = new RecordingLogger();
      instance = await rig.boot({}, { logger: logs });
    });

    afterAll(async () => {
      await rig?.close();
    });

    afterEach(async () => {
      await clearSchedule(instance.scheduler);
    });

    /** A connected streamer whose first poll (which only sets the cursor) has just succeeded. */
    async function polledStreamer(): Promise<DonationAlertsStreamer> {
      const streamer = await connectedStreamer(instance.app, rig.da, rig.clock);
      await expect(instance.scheduler.tick()).resolves.toEqual([{ status: 'polled', newDonations: 0 }]);
      return streamer;
    }

    function tick(durationMs: number) {
      return tickFor([instance.scheduler], rig.clock, durationMs, TICK_MS);
    }

    it('backs off 5, 10, 20, 40, 60, 60 s while DonationAlerts answers 5xx', async () => {
      const { streamerId, daUserId } = await polledStreamer();
      rig.da.failNextDonations('server-error', 6, { userId: daUserId });

      await tick(200 * SECOND);

      const calls = rig.da.donationCallTimesOf(daUserId);
      expect(gapsInSeconds(calls)).toEqual([5, 10, 20, 40, 60, 60]);
      const stats = await request(instance.server)
        .get('/api/donationalerts/scheduler/stats')
        .set('authorization', `Bearer ${ADMIN_API_KEY}`);
      expect(stats.body.streamers[streamerId]).toMatchObject({
        backoff: 6,
        errors: 6,
        lastPoll: calls.at(-1),
        nextPoll: calls.at(-1)! + 60 * SECOND,
      });
    });

    it('logs every backoff step with the delay until the next poll', async () => {
      const { streamerId, daUserId } = await polledStreamer();
      rig.da.failNextDonations('server-error', 3, { userId: daUserId });

      await tick(40 * SECOND);

      const steps = logs
        .lines('DA Scheduler')
        .filter((message) => message.includes(`Streamer ${streamerId} backoff`));
      expect(steps).toEqual([
        expect.stringContaining(`[DA Scheduler] Streamer ${streamerId} backoff: 1, next poll in 10000ms`),
        expect.stringContaining(`[DA Scheduler] Streamer ${streamerId} backoff: 2, next poll in 20000ms`),
        expect.stringContaining(`[DA Scheduler] Streamer ${streamerId} backoff: 3, next poll in 40000ms`),
      ]);
      expect(
        logs.entries.find(({ message }) => message.includes(`backoff: 2, next poll in 20000ms`))?.level,
      ).toBe('warn');
    });

    it('resets the backoff after a successful poll', async () => {
      const { daUserId } = await polledStreamer();
      rig.da.failNextDonations('server-error', 3, { userId: daUserId });
      await tick(5 * SECOND + 10 * SECOND + 20 * SECOND + 40 * SECOND + TICK_MS);
      rig.da.failNextDonations('server-error', 1, { userId: daUserId });

      await tick(29 * SECOND);

      expect(gapsInSeconds(rig.da.donationCallTimesOf(daUserId))).toEqual([5, 10, 20, 40, 5, 10, 5, 5]);
    });

    it('resets the backoff and polls at once on POST reset-backoff', async () => {
      const { streamerId, daUserId } = await polledStreamer();
      rig.da.failNextDonations('server-error', 5, { userId: daUserId });
      await tick(5 * SECOND + 10 * SECOND + 20 * SECOND + 40 * SECOND + TICK_MS);
      const before = rig.da.donationCallTimesOf(daUserId);
      expect(gapsInSeconds(before)).toEqual([5, 10, 20, 40]);

      const reset = await request(instance.server)
        .post(`/api/donationalerts/scheduler/reset-backoff/${streamerId}`)
        .set('authorization', `Bearer ${ADMIN_API_KEY}`);
      const resetAt = rig.clock.now();
      await tick(10 * SECOND + TICK_MS);

      expect(reset.status).toBe(200);
      expect(reset.body).toEqual({ streamerId, backoff: 0 });
      expect(rig.da.donationCallTimesOf(daUserId).slice(before.length)).toEqual([
        resetAt,
        resetAt + 10 * SECOND,
      ]);
    });

    it('skips a streamer in backoff while polling the others on time', async () => {
      const failing = await connectedStreamer(instance.app, rig.da, rig.clock);
      const healthy = await connectedStreamer(instance.app, rig.da, rig.clock);
      await tick(TICK_MS);
      rig.da.failNextDonations('server-error', 10, { userId: failing.daUserId });

      await tick(55 * SECOND);

      expect(gapsInSeconds(rig.da.donationCallTimesOf(failing.daUserId))).toEqual([5, 10, 20]);
      expect(gapsInSeconds(rig.da.donationCallTimesOf(healthy.daUserId))).toEqual(Array(9).fill(5));
    });
  });
});
