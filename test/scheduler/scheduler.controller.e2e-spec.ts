import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { PushActivity } from '../../src/donations/push-activity';
import { SchedulerController } from '../../src/scheduler/scheduler.controller';
import { StreamersRepository } from '../../src/streamers/streamers.repository';
import {
  clearSchedule,
  connectedStreamer,
  startDonationAlertsRig,
  type DonationAlertsInstance,
  type DonationAlertsRig,
} from '../support/donation-alerts';
import { expectNoInternals } from '../support/http';
import { ADMIN_API_KEY } from '../support/admin';
import { DEPLOYMENTS } from '../support/deployments';

const BASE = '/api/donationalerts/scheduler';
const SECOND = 1_000;

let unconnectedNumber = 0;

describe(SchedulerController.name, () => {
  describe.each(DEPLOYMENTS)('on %s', (deployment) => {
    let rig: DonationAlertsRig;
    let instance: DonationAlertsInstance;

    beforeAll(async () => {
      rig = await startDonationAlertsRig(deployment);
      instance = await rig.boot();
    });

    afterAll(async () => {
      await rig?.close();
    });

    afterEach(async () => {
      await clearSchedule(instance.scheduler);
      rig.clock.advance(2 * 60 * SECOND);
    });

    const admin = (test: request.Test): request.Test => test.set('authorization', `Bearer ${ADMIN_API_KEY}`);

    it('shows every scheduled streamer with last and next poll, backoff, errors, response time and the budget', async () => {
      const healthy = await connectedStreamer(instance.app, rig.da, rig.clock);
      const failing = await connectedStreamer(instance.app, rig.da, rig.clock);
      await instance.scheduler.tick();
      const firstPollAt = rig.clock.now();
      rig.clock.advance(5 * SECOND);
      rig.da.failNextDonations('server-error', 1, { userId: failing.daUserId });
      await instance.scheduler.tick();
      const secondPollAt = rig.clock.now();
      rig.clock.advance(SECOND);

      const response = await admin(request(instance.server).get(`${BASE}/stats`));

      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        isRunning: false,
        totalStreamers: 2,
        readyStreamers: 0,
        concurrency: expect.any(Number),
        streamers: {
          [healthy.streamerId]: {
            lastPoll: secondPollAt,
            nextPoll: secondPollAt + 5 * SECOND,
            backoff: 0,
            errors: 0,
            webhookEnabled: false,
            pushSource: null,
            lastError: null,
            errorsByType: {},
            lastResponseMs: expect.any(Number),
          },
          [failing.streamerId]: {
            lastPoll: secondPollAt,
            nextPoll: secondPollAt + 10 * SECOND,
            backoff: 1,
            errors: 1,
            webhookEnabled: false,
            pushSource: null,
            lastError: expect.stringContaining('500'),
            errorsByType: { server: 1 },
            lastResponseMs: expect.any(Number),
          },
        },
        errorsByType: { server: 1 },
        lastResponseMs: expect.any(Number),
        budget: { used: 4, limit: 60, windowMs: 60_000 },
      });
      expect(secondPollAt - firstPollAt).toBe(5 * SECOND);
      rig.clock.advance(4 * SECOND);
      const later = await admin(request(instance.server).get(`${BASE}/stats`));
      expect(later.body).toMatchObject({ totalStreamers: 2, readyStreamers: 1 });
    });

    it('shows an empty schedule', async () => {
      const response = await admin(request(instance.server).get(`${BASE}/stats`));

      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        isRunning: false,
        totalStreamers: 0,
        readyStreamers: 0,
        streamers: {},
        errorsByType: {},
        lastResponseMs: null,
      });
    });

    it('names the push source that delivers for each streamer; webhookEnabled stays about webhooks', async () => {
      const pushActivity = instance.app.get(PushActivity);
      const realtime = await connectedStreamer(instance.app, rig.da, rig.clock);
      const both = await connectedStreamer(instance.app, rig.da, rig.clock);
      const quiet = await connectedStreamer(instance.app, rig.da, rig.clock);
      const now = rig.clock.now();
      await pushActivity.markActive(realtime.streamerId, 'realtime', now + 60 * SECOND);
      await pushActivity.markActive(both.streamerId, 'webhook', now + 30 * SECOND);
      await pushActivity.markActive(both.streamerId, 'realtime', now + 10 * SECOND);
      const pushOf = async (streamerId: string) => {
        const { webhookEnabled, pushSource } = (await admin(request(instance.server).get(`${BASE}/stats`)))
          .body.streamers[streamerId];
        return { webhookEnabled, pushSource };
      };

      expect(await pushOf(realtime.streamerId)).toEqual({ webhookEnabled: false, pushSource: 'realtime' });
      expect(await pushOf(both.streamerId)).toEqual({ webhookEnabled: true, pushSource: 'webhook' });
      expect(await pushOf(quiet.streamerId)).toEqual({ webhookEnabled: false, pushSource: null });
      rig.clock.advance(30 * SECOND);
      expect(await pushOf(both.streamerId)).toEqual({ webhookEnabled: false, pushSource: null });
      expect(await pushOf(realtime.streamerId)).toEqual({ webhookEnabled: false, pushSource: 'realtime' });
    });

    it('polls the streamer at once on force-poll and returns how many donations are new', async () => {
      const { streamerId, daUserId } = await connectedStreamer(instance.app, rig.da, rig.clock);
      await instance.scheduler.tick();
      rig.da.addDonations(daUserId, [{}, {}, {}]);

      const response = await admin(request(instance.server).post(`${BASE}/force-poll/${streamerId}`));

      expect(response.status).toBe(200);
      expect(response.body).toEqual({ streamerId, status: 'polled', newDonations: 3 });
      const again = await admin(request(instance.server).post(`${BASE}/force-poll/${streamerId}`));
      expect(again.body).toEqual({ streamerId, status: 'polled', newDonations: 0 });
    });

    it('clears the backoff and makes the streamer due now on reset-backoff', async () => {
      const { streamerId, daUserId } = await connectedStreamer(instance.app, rig.da, rig.clock);
      rig.da.failNextDonations('server-error', 3, { userId: daUserId });
      for (let i = 0; i < 3; i += 1) {
        await instance.scheduler.pollOne(streamerId);
      }

      const response = await admin(request(instance.server).post(`${BASE}/reset-backoff/${streamerId}`));

      expect(response.status).toBe(200);
      expect(response.body).toEqual({ streamerId, backoff: 0 });
      const stats = await admin(request(instance.server).get(`${BASE}/stats`));
      expect(stats.body.streamers[streamerId]).toMatchObject({
        backoff: 0,
        errors: 3,
        nextPoll: rig.clock.now(),
      });
      expect(stats.body.readyStreamers).toBe(1);
    });

    it.each([
      ['POST', 'force-poll'],
      ['POST', 'reset-backoff'],
    ])('answers 404 to %s %s for an unknown streamer', async (_method, action) => {
      const response = await admin(request(instance.server).post(`${BASE}/${action}/${randomUUID()}`));

      expect(response.status).toBe(404);
      expectNoInternals(response.text);
    });

    it.each(['force-poll', 'reset-backoff'])(
      'answers 404 to %s for a streamer without a DonationAlerts connection',
      async (action) => {
        unconnectedNumber += 1;
        const streamer = await instance.app.get(StreamersRepository).create({
          twitchId: String(97_000_000 + unconnectedNumber),
          login: `no_da_${unconnectedNumber}`,
          displayName: 'No DA',
        });

        const response = await admin(request(instance.server).post(`${BASE}/${action}/${streamer.id}`));

        expect(response.status).toBe(404);
      },
    );

    it.each([
      ['GET', `${BASE}/stats`],
      ['POST', `${BASE}/force-poll/STREAMER`],
      ['POST', `${BASE}/reset-backoff/STREAMER`],
    ])('answers 401 to %s %s without the admin key, and polls nothing', async (method, path) => {
      const { streamerId, daUserId } = await connectedStreamer(instance.app, rig.da, rig.clock);
      const target = path.replace('STREAMER', streamerId);

      const [bare, wrong] = await Promise.all([
        method === 'GET' ? request(instance.server).get(target) : request(instance.server).post(target),
        (method === 'GET' ? request(instance.server).get(target) : request(instance.server).post(target)).set(
          'authorization',
          'Bearer not-the-admin-key-0123456789',
        ),
      ]);

      expect([bare.status, wrong.status]).toEqual([401, 401]);
      expectNoInternals(bare.text);
      expect(rig.da.donationCallsOf(daUserId)).toBe(0);
    });
  });
});
