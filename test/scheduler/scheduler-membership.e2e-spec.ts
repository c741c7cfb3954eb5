import { LeaderService } from '../../libs/locks';
import { DonationEntity } from '../../src/donations/entities/donation.entity';
import { OAuthCredentialsRepository } from '../../src/oauth/oauth-credentials.repository';
import { DonationAlertsScheduler } from '../../src/scheduler/donation-alerts-scheduler';
import { SchedulerMembership } from '../../src/scheduler/scheduler-membership';
import { StreamersRepository } from '../../src/streamers/streamers.repository';
import type { DonationAlertsUser } from '../fakes/fake-donationalerts';
import {
  connectedStreamer,
  startDonationAlertsRig,
  type DonationAlertsInstance,
  type DonationAlertsRig,
} from '../support/donation-alerts';
import { holdLeadership } from '../support/leadership';
import { createBackingServices, DEPLOYMENTS, type BackingServices } from '../support/deployments';
import { bootApp, INSTANCE_TEST_ENV, type ListeningTestApp } from '../support/app';
import {
  startOnboardingFakes,
  type OnboardingFakes,
  logInNewStreamer,
  newDonationAlertsUser,
  connectDonationAlerts,
} from '../support/onboarding';
import { clearRedisPrefix } from '../support/redis';
import { waitFor } from '../support/waiting';
import { WebClient } from '../support/web-client';

/** Streamer ids currently on the schedule, sorted. */
async function scheduledIds(scheduler: DonationAlertsScheduler): Promise<string[]> {
  return (await scheduler.snapshot()).entries.map(({ streamerId }) => streamerId).sort();
}

describe(SchedulerMembership.name, () => {
  describe.each(DEPLOYMENTS)('through the connect flow on %s', (deployment) => {
    let services: BackingServices;
    let fakes: OnboardingFakes;
    let instance: ListeningTestApp;
    let releaseLeadership: () => Promise<void>;
    let scheduler: DonationAlertsScheduler;

    beforeAll(async () => {
      services = await createBackingServices(deployment);
      releaseLeadership = await holdLeadership(services);
      fakes = await startOnboardingFakes();
      instance = await bootApp(
        { ...INSTANCE_TEST_ENV, ...services.env, ...fakes.env, SCHEDULER_ENABLED: 'false' },
        { listen: true },
      );
      scheduler = instance.app.get(DonationAlertsScheduler);
    });

    afterAll(async () => {
      await instance?.close();
      await fakes?.close();
      await releaseLeadership?.();
      await services?.close();
    });

    const addDonationAlertsUser = () => newDonationAlertsUser(fakes.da);
    const loggedInStreamer = () => logInNewStreamer(instance, fakes.twitch);
    const connect = (client: WebClient, daUser: DonationAlertsUser) =>
      connectDonationAlerts(client, fakes.da, daUser);

    it('adds a streamer to the schedule on connecting DonationAlerts and removes them on disconnecting', async () => {
      const { client, streamerId } = await loggedInStreamer();
      await expect(scheduler.isScheduled(streamerId)).resolves.toBe(false);

      const connected = await connect(client, addDonationAlertsUser());

      expect(connected.url).toBe(`${instance.publicUrl}/dashboard?notice=da-connected`);
      await expect(scheduler.isScheduled(streamerId)).resolves.toBe(true);
      const disconnect = await client.post('/auth/donationalerts/disconnect');
      expect(disconnect.status).toBe(303);
      await expect(scheduler.isScheduled(streamerId)).resolves.toBe(false);
    });

    it('does not replay the history of another DonationAlerts account connected in place of the first', async () => {
      const { client, streamerId } = await loggedInStreamer();
      const first = addDonationAlertsUser();
      await connect(client, first);
      fakes.da.addDonations(first.id, [{}, {}]);
      await scheduler.pollOne(streamerId);
      const second = addDonationAlertsUser();
      fakes.da.addDonations(second.id, [{}, {}, {}]);

      await connect(client, second);
      const firstPollOfSecond = await scheduler.pollOne(streamerId);

      expect(firstPollOfSecond).toEqual({ status: 'polled', newDonations: 0 });
      await expect(instance.dataSource.getRepository(DonationEntity).countBy({ streamerId })).resolves.toBe(
        0,
      );
      const fresh = fakes.da.addDonation(second.id);
      await expect(scheduler.pollOne(streamerId)).resolves.toEqual({ status: 'polled', newDonations: 1 });
      await expect(
        instance.dataSource.getRepository(DonationEntity).findOneByOrFail({ streamerId }),
      ).resolves.toMatchObject({ externalId: String(fresh.id) });
    });
  });

  describe.each(DEPLOYMENTS)('at the start of an instance on %s', (deployment) => {
    let rig: DonationAlertsRig;

    beforeEach(async () => {
      rig = await startDonationAlertsRig(deployment, { leaderElsewhere: false });
    });

    afterEach(async () => {
      await rig?.close();
    });

    it('fills a lost schedule as soon as the restarted instance is elected leader', async () => {
      const first = await rig.boot();
      await waitFor(() => first.app.get(LeaderService).isLeader(), {
        what: 'leadership of the first instance',
      });
      const streamers = [
        await connectedStreamer(first.app, rig.da, rig.clock, { schedule: false }),
        await connectedStreamer(first.app, rig.da, rig.clock, { schedule: false }),
      ];
      await first.close();
      rig.instances.splice(0);
      if (deployment === 'postgres+redis') {
        await clearRedisPrefix(String(rig.services.env.REDIS_KEY_PREFIX));
      }

      const restarted = await rig.boot();

      await waitFor(() => restarted.app.get(LeaderService).isLeader(), {
        what: 'leadership after the restart',
      });
      await waitFor(async () => (await scheduledIds(restarted.scheduler)).length === 2, {
        what: 'the schedule filled by the reconciliation at election',
      });
      await expect(scheduledIds(restarted.scheduler)).resolves.toEqual(
        streamers.map(({ streamerId }) => streamerId).sort(),
      );
    });
  });

  describe.each(DEPLOYMENTS)('reconcile on %s', (deployment) => {
    let rig: DonationAlertsRig;
    let instance: DonationAlertsInstance;

    beforeEach(async () => {
      rig = await startDonationAlertsRig(deployment);
      instance = await rig.boot();
    });

    afterEach(async () => {
      await rig?.close();
    });

    /** What a lost schedule looks like: Redis restarted empty, or the single instance restarted. */
    async function loseTheSchedule(): Promise<DonationAlertsInstance> {
      if (deployment === 'postgres+redis') {
        await clearRedisPrefix(String(rig.services.env.REDIS_KEY_PREFIX));
        return instance;
      }
      await instance.close();
      rig.instances.splice(rig.instances.indexOf(instance), 1);
      return rig.boot();
    }

    it('restores the schedule from the working DonationAlerts connections after it was lost', async () => {
      const streamers = [
        await connectedStreamer(instance.app, rig.da, rig.clock),
        await connectedStreamer(instance.app, rig.da, rig.clock),
        await connectedStreamer(instance.app, rig.da, rig.clock),
      ];
      const credentials = instance.app.get(OAuthCredentialsRepository);
      await credentials.setStatus(streamers[2].streamerId, 'donationalerts', 'needs_reauth');
      await instance.scheduler.tick();
      const donation = rig.da.addDonation(streamers[0].daUserId);

      const survivor = await loseTheSchedule();
      await expect(scheduledIds(survivor.scheduler)).resolves.toEqual([]);
      const restored = await survivor.app.get(SchedulerMembership).reconcile();

      expect(restored).toEqual({ added: 2, removed: 0 });
      await expect(scheduledIds(survivor.scheduler)).resolves.toEqual(
        [streamers[0].streamerId, streamers[1].streamerId].sort(),
      );
      const results = await survivor.scheduler.tick();
      expect(results).toEqual(
        expect.arrayContaining([
          { status: 'polled', newDonations: 1 },
          { status: 'polled', newDonations: 0 },
        ]),
      );
      const stored = await survivor.dataSource.getRepository(DonationEntity).find();
      expect(stored.map(({ externalId }) => externalId)).toEqual([String(donation.id)]);
    });

    it('drops streamers without a working DonationAlerts connection from the schedule', async () => {
      const working = await connectedStreamer(instance.app, rig.da, rig.clock);
      const reauth = await connectedStreamer(instance.app, rig.da, rig.clock);
      await instance.app
        .get(OAuthCredentialsRepository)
        .setStatus(reauth.streamerId, 'donationalerts', 'needs_reauth');
      const unconnected = await instance.app.get(StreamersRepository).create({
        twitchId: '98000001',
        login: 'never_connected',
        displayName: 'Never_Connected',
      });
      await instance.scheduler.add(unconnected.id);

      await expect(instance.app.get(SchedulerMembership).reconcile()).resolves.toEqual({
        added: 0,
        removed: 2,
      });

      await expect(scheduledIds(instance.scheduler)).resolves.toEqual([working.streamerId]);
    });
  });
});
