import { LeaderService } from '../../libs/locks';
import { ClusterJobsService } from '../../src/jobs/cluster-jobs.service';
import { createBackingServices, DEPLOYMENTS, type BackingServices } from '../support/deployments';
import { bootApp, INSTANCE_TEST_ENV, type ListeningTestApp } from '../support/app';
import {
  addTwitchUser,
  credentialRows,
  logInWithTwitch,
  startOnboardingFakes,
  type OnboardingFakes,
} from '../support/onboarding';
import { waitFor } from '../support/waiting';
import { WebClient } from '../support/web-client';

/** A quick heartbeat, so a standby instance takes over within a fraction of a second. */
const FAST_LEADER = { LEADER_HEARTBEAT_MS: '100', LEADER_LEASE_MS: '1000' };

describe(ClusterJobsService.name, () => {
  describe.each(DEPLOYMENTS)('on %s', (deployment) => {
    let services: BackingServices;
    let fakes: OnboardingFakes;
    let instances: ListeningTestApp[];

    beforeEach(async () => {
      services = await createBackingServices(deployment);
      fakes = await startOnboardingFakes();
      instances = [];
    });

    afterEach(async () => {
      for (const instance of instances) {
        await instance.close();
      }
      await fakes?.close();
      await services?.close();
    });

    async function boot(): Promise<ListeningTestApp> {
      const instance = await bootApp(
        { ...INSTANCE_TEST_ENV, ...services.env, ...fakes.env, ...FAST_LEADER },
        { listen: true },
      );
      instances.push(instance);
      return instance;
    }

    async function stop(instance: ListeningTestApp): Promise<void> {
      await instance.close();
      instances.splice(instances.indexOf(instance), 1);
    }

    async function leading(instance: ListeningTestApp): Promise<void> {
      const leader = instance.app.get(LeaderService);
      await waitFor(() => leader.isLeader(), { what: 'leadership of the first instance' });
    }

    /** Logs a new streamer in on `instance`, then forgets when their token was last validated. */
    async function streamerAwaitingValidation(instance: ListeningTestApp): Promise<void> {
      const user = addTwitchUser(fakes.twitch);
      await logInWithTwitch(new WebClient(instance.publicUrl), fakes.twitch, user);
      await instance.dataSource.query('UPDATE oauth_credentials SET validated_at = NULL');
    }

    async function validatedAt(instance: ListeningTestApp): Promise<number | null> {
      const [row] = await credentialRows(instance.dataSource);
      return row.validated_at === null ? null : Number(row.validated_at);
    }

    it('validates every Twitch token as soon as a newly started instance is elected leader', async () => {
      const first = await boot();
      await streamerAwaitingValidation(first);
      await stop(first);
      const before = fakes.twitch.calls.validate;
      const startedAt = Date.now();

      const restarted = await boot();

      await waitFor(async () => (await validatedAt(restarted)) !== null, {
        what: 'validation after the election at start',
      });
      expect(fakes.twitch.calls.validate).toBe(before + 1);
      expect(await validatedAt(restarted)).toBeGreaterThanOrEqual(startedAt);
      expect(restarted.app.get(LeaderService).isLeader()).toBe(true);
    });

    it('validates every Twitch token when a standby instance takes over from a leader that shut down', async () => {
      const leader = await boot();
      await leading(leader);
      const standby = await boot();
      await streamerAwaitingValidation(leader);
      expect(standby.app.get(LeaderService).isLeader()).toBe(false);
      const before = fakes.twitch.calls.validate;

      await stop(leader);

      await waitFor(async () => (await validatedAt(standby)) !== null, {
        what: 'validation by the standby instance after the takeover',
      });
      expect(fakes.twitch.calls.validate).toBe(before + 1);
      expect(standby.app.get(LeaderService).isLeader()).toBe(true);
    });

    it('runs the job on the leader only', async () => {
      const leader = await boot();
      await leading(leader);
      const standby = await boot();
      await streamerAwaitingValidation(leader);
      const before = fakes.twitch.calls.validate;

      await standby.app.get(ClusterJobsService).runIfLeader('twitch-token-validation');
      const afterStandby = fakes.twitch.calls.validate;
      await leader.app.get(ClusterJobsService).runIfLeader('twitch-token-validation');

      expect(afterStandby).toBe(before);
      expect(fakes.twitch.calls.validate).toBe(before + 1);
      expect(await validatedAt(leader)).not.toBeNull();
    });
  });
});
