import { OAuthCredentialsRepository } from '../../src/oauth/oauth-credentials.repository';
import { DonationAlertsScheduler } from '../../src/scheduler/donation-alerts-scheduler';
import type { DonationFailure } from '../fakes/fake-donationalerts';
import {
  clearSchedule,
  connectedStreamer,
  startDonationAlertsRig,
  tickFor,
  type DonationAlertsInstance,
  type DonationAlertsRig,
  type DonationAlertsStreamer,
} from '../support/donation-alerts';
import { DEPLOYMENTS } from '../support/deployments';

const SECOND = 1_000;

describe(DonationAlertsScheduler.name, () => {
  describe.each(DEPLOYMENTS)('poll errors on %s', (deployment) => {
    let rig: DonationAlertsRig;
    let instance: DonationAlertsInstance;

    beforeAll(async () => {
      rig = await startDonationAlertsRig(deployment);
      instance = await rig.boot({ DA_REQUEST_TIMEOUT_MS: '300' });
    });

    afterAll(async () => {
      await rig?.close();
    });

    afterEach(async () => {
      await clearSchedule(instance.scheduler);
    });

    /** A connected streamer whose first poll (which only sets the cursor) has succeeded. */
    async function polledStreamer(): Promise<DonationAlertsStreamer> {
      const streamer = await connectedStreamer(instance.app, rig.da, rig.clock);
      await expect(instance.scheduler.pollOne(streamer.streamerId)).resolves.toMatchObject({
        status: 'polled',
      });
      return streamer;
    }

    async function stateOf(streamerId: string) {
      return (await instance.scheduler.snapshot()).entries.find((entry) => entry.streamerId === streamerId);
    }

    it.each<[DonationFailure, string]>([
      ['server-error', 'server'],
      ['timeout', 'network'],
      ['garbage', 'malformed'],
    ])('counts a %s answer as a %s error and backs off', async (failure, kind) => {
      const { streamerId, daUserId } = await polledStreamer();
      rig.da.failNextDonations(failure, 1, { userId: daUserId });

      const result = await instance.scheduler.pollOne(streamerId);

      expect(result).toEqual({ status: 'failed', kind, retryInMs: 10 * SECOND });
      expect((await stateOf(streamerId))?.state).toMatchObject({
        consecutiveErrors: 1,
        totalErrors: 1,
        errorsByKind: { [kind]: 1 },
      });
    });

    it('refreshes the token exactly once and retries when DonationAlerts says it expired', async () => {
      const { streamerId, daUserId, accessToken } = await polledStreamer();
      rig.da.addDonation(daUserId);
      rig.da.expireAccessToken(accessToken);
      const refreshes = rig.da.calls.refreshToken;

      await expect(instance.scheduler.pollOne(streamerId)).resolves.toEqual({
        status: 'polled',
        newDonations: 1,
      });
      rig.clock.advance(5 * SECOND);
      await instance.scheduler.pollOne(streamerId);

      expect(rig.da.calls.refreshToken - refreshes).toBe(1);
      const credential = await instance.app
        .get(OAuthCredentialsRepository)
        .find(streamerId, 'donationalerts');
      expect(credential).toMatchObject({
        status: 'active',
        accessToken: rig.da.tokensOf(daUserId)!.accessToken,
        refreshToken: rig.da.tokensOf(daUserId)!.refreshToken,
      });
      expect(credential!.accessToken).not.toBe(accessToken);
    });

    it('marks the DonationAlerts credential needs_reauth and stops polling when the refresh is refused', async () => {
      const { streamerId, daUserId, accessToken } = await polledStreamer();
      rig.da.expireAccessToken(accessToken);
      rig.da.revokeRefreshTokens(daUserId);
      const refreshes = rig.da.calls.refreshToken;

      const result = await instance.scheduler.pollOne(streamerId);
      const callsAfter = rig.da.donationCallsOf(daUserId);
      await tickFor([instance.scheduler], rig.clock, 2 * 60 * SECOND, 500);

      expect(result).toMatchObject({ status: 'removed' });
      expect(rig.da.calls.refreshToken - refreshes).toBe(1);
      await expect(
        instance.app.get(OAuthCredentialsRepository).find(streamerId, 'donationalerts'),
      ).resolves.toMatchObject({ status: 'needs_reauth' });
      await expect(instance.scheduler.isScheduled(streamerId)).resolves.toBe(false);
      expect(rig.da.donationCallsOf(daUserId)).toBe(callsAfter);
    });
  });
});
