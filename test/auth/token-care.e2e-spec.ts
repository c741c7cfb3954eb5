import { TwitchTokenValidator } from '../../src/auth/twitch-token-validator';
import { ClusterJobsService } from '../../src/jobs/cluster-jobs.service';
import { OAuthCredentialsRepository } from '../../src/oauth/oauth-credentials.repository';
import { ADMIN_API_KEY } from '../support/admin';
import { DEPLOYMENTS } from '../support/deployments';
import { elementById, requireElement } from '../support/html';
import { type ListeningTestApp } from '../support/app';
import {
  clearOnboardingTables,
  credentialOf,
  credentialRows,
  logInWithTwitch,
  type OnboardingFakes,
  startOnboardingInstance,
  logInNewStreamer,
} from '../support/onboarding';

interface AdminStreamer {
  id: string;
  status: string;
  [field: string]: unknown;
}

describe(TwitchTokenValidator.name, () => {
  describe.each(DEPLOYMENTS)('on %s', (deployment) => {
    let fakes: OnboardingFakes;
    let instance: ListeningTestApp;
    let close: () => Promise<void>;
    let validator: TwitchTokenValidator;
    let credentials: OAuthCredentialsRepository;

    beforeAll(async () => {
      ({ fakes, instance, close } = await startOnboardingInstance(deployment));
      validator = instance.app.get(TwitchTokenValidator);
      credentials = instance.app.get(OAuthCredentialsRepository);
    });

    beforeEach(async () => {
      await clearOnboardingTables(instance.dataSource);
      fakes.twitch.tokenLatencyMs = 0;
    });

    afterAll(async () => {
      await close?.();
    });

    const loggedInStreamer = () => logInNewStreamer(instance, fakes.twitch);

    async function storedTwitchToken(streamerId: string): Promise<string> {
      return (await credentials.find(streamerId, 'twitch'))!.accessToken;
    }

    async function adminList(): Promise<{ status: number; text: string; streamers: AdminStreamer[] }> {
      const response = await fetch(`${instance.origin}/api/admin/streamers`, {
        headers: { authorization: `Bearer ${ADMIN_API_KEY}` },
      });
      const text = await response.text();
      return { status: response.status, text, streamers: JSON.parse(text) as AdminStreamer[] };
    }

    describe('tokens at rest', () => {
      it('stores the Twitch tokens as v1 AES-GCM ciphertext that does not contain the plaintext', async () => {
        const { user, streamerId } = await loggedInStreamer();
        const issued = fakes.twitch.tokensOf(user.id)!;

        const row = (await credentialOf(instance.dataSource, streamerId, 'twitch'))!;

        expect(row.access_token).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
        expect(row.refresh_token).toMatch(/^v1\./);
        for (const column of [row.access_token, row.refresh_token!]) {
          expect(column).not.toContain(issued.accessToken);
          expect(column).not.toContain(issued.refreshToken);
        }
        expect(await storedTwitchToken(streamerId)).toBe(issued.accessToken);
      });

      it('stores refreshed tokens encrypted too', async () => {
        const { user, streamerId } = await loggedInStreamer();
        fakes.twitch.expireAllAccessTokens();

        await validator.validateOne(streamerId);

        const issued = fakes.twitch.tokensOf(user.id)!;
        const row = (await credentialOf(instance.dataSource, streamerId, 'twitch'))!;
        expect(row.access_token).toMatch(/^v1\./);
        expect(`${row.access_token} ${row.refresh_token}`).not.toContain(issued.accessToken);
        expect(`${row.access_token} ${row.refresh_token}`).not.toContain(issued.refreshToken);
      });

      it('never puts a token in the admin streamer list or the pages', async () => {
        const { user, client } = await loggedInStreamer();
        const issued = fakes.twitch.tokensOf(user.id)!;

        const list = await adminList();
        const pages = [(await client.get('/')).text, (await client.get('/dashboard')).text];

        expect(list.status).toBe(200);
        expect(Object.keys(list.streamers[0]).sort()).toEqual(
          ['displayName', 'donationCount', 'id', 'lastDonationAt', 'login', 'status', 'twitchId'].sort(),
        );
        for (const text of [list.text, ...pages]) {
          expect(text).not.toContain(issued.accessToken);
          expect(text).not.toContain(issued.refreshToken);
        }
      });
    });

    describe('validateOne', () => {
      it('answers valid and records validated_at when Twitch accepts the token', async () => {
        const { streamerId } = await loggedInStreamer();
        await instance.dataSource.query('UPDATE oauth_credentials SET validated_at = NULL');
        const before = fakes.twitch.calls;
        const startedAt = Date.now();

        const outcome = await validator.validateOne(streamerId);

        expect(outcome).toBe('valid');
        expect(fakes.twitch.calls.validate).toBe(before.validate + 1);
        expect(fakes.twitch.calls.refreshToken).toBe(before.refreshToken);
        const validatedAt = Number(
          (await credentialOf(instance.dataSource, streamerId, 'twitch'))!.validated_at,
        );
        expect(validatedAt).toBeGreaterThanOrEqual(startedAt);
        expect(validatedAt).toBeLessThanOrEqual(Date.now());
      });

      it('refreshes once and stores the new token when Twitch answers 401', async () => {
        const { user, streamerId } = await loggedInStreamer();
        const oldToken = await storedTwitchToken(streamerId);
        const oldRow = (await credentialOf(instance.dataSource, streamerId, 'twitch'))!;
        fakes.twitch.expireAllAccessTokens();
        const before = fakes.twitch.calls;

        const outcome = await validator.validateOne(streamerId);

        expect(outcome).toBe('valid');
        expect(fakes.twitch.calls.refreshToken).toBe(before.refreshToken + 1);
        expect(fakes.twitch.calls.validate).toBe(before.validate + 2);
        const newToken = await storedTwitchToken(streamerId);
        expect(newToken).not.toBe(oldToken);
        expect(newToken).toBe(fakes.twitch.tokensOf(user.id)!.accessToken);
        const newRow = (await credentialOf(instance.dataSource, streamerId, 'twitch'))!;
        expect(newRow.access_token).not.toBe(oldRow.access_token);
        expect(newRow.refresh_token).not.toBe(oldRow.refresh_token);
      });

      it('refreshes before use, without a 401 first, a token that expires within a minute', async () => {
        fakes.twitch.accessTokenTtlSeconds = 30;
        const { user, streamerId } = await loggedInStreamer().finally(() => {
          fakes.twitch.accessTokenTtlSeconds = 14_400;
        });
        const before = fakes.twitch.calls;

        const outcome = await validator.validateOne(streamerId);

        expect(outcome).toBe('valid');
        expect(fakes.twitch.calls.refreshToken).toBe(before.refreshToken + 1);
        expect(fakes.twitch.calls.validate).toBe(before.validate + 1);
        expect(await storedTwitchToken(streamerId)).toBe(fakes.twitch.tokensOf(user.id)!.accessToken);
      });

      it('makes ONE refresh call when two validations in one app hit 401 at the same time', async () => {
        const { user, streamerId } = await loggedInStreamer();
        fakes.twitch.expireAllAccessTokens();
        fakes.twitch.tokenLatencyMs = 300;
        const before = fakes.twitch.calls.refreshToken;

        const outcomes = await Promise.all([
          validator.validateOne(streamerId),
          validator.validateOne(streamerId),
        ]);

        expect(outcomes).toEqual(['valid', 'valid']);
        expect(fakes.twitch.calls.refreshToken).toBe(before + 1);
        expect(await storedTwitchToken(streamerId)).toBe(fakes.twitch.tokensOf(user.id)!.accessToken);
      });

      it('marks the streamer needs_reauth, lists it so and asks to reconnect when the refresh token is revoked', async () => {
        const { user, client, streamerId } = await loggedInStreamer();
        fakes.twitch.revokeRefreshTokens(user.id);
        fakes.twitch.expireAllAccessTokens();

        const outcome = await validator.validateOne(streamerId);

        expect(outcome).toBe('needsReauth');
        expect((await credentialOf(instance.dataSource, streamerId, 'twitch'))!.status).toBe('needs_reauth');
        expect((await adminList()).streamers).toEqual([
          expect.objectContaining({ id: streamerId, status: 'needs_reauth' }),
        ]);
        const dashboard = await client.get('/dashboard');
        expect(dashboard.status).toBe(200);
        expect(requireElement(dashboard.text, 'twitch-reauth').text).toBe(
          'Twitch больше не принимает наш токен. Войдите заново, чтобы переподключить канал.',
        );
        expect(dashboard.text).toContain('<a class="button" href="/auth/twitch">Переподключить</a>');
      });

      it('clears needs_reauth when the streamer logs in again, and validates the new token', async () => {
        const { user, client, streamerId } = await loggedInStreamer();
        fakes.twitch.revokeRefreshTokens(user.id);
        fakes.twitch.expireAllAccessTokens();
        await validator.validateOne(streamerId);

        const dashboard = await logInWithTwitch(client, fakes.twitch, user);

        expect(elementById(dashboard.text, 'twitch-reauth')).toBeUndefined();
        expect((await adminList()).streamers).toEqual([
          expect.objectContaining({ id: streamerId, status: 'active' }),
        ]);
        expect((await credentialOf(instance.dataSource, streamerId, 'twitch'))!.status).toBe('active');
        await expect(validator.validateOne(streamerId)).resolves.toBe('valid');
      });

      it('calls Twitch no more for a streamer in needs_reauth', async () => {
        const { user, streamerId } = await loggedInStreamer();
        fakes.twitch.revokeRefreshTokens(user.id);
        fakes.twitch.expireAllAccessTokens();
        await validator.validateOne(streamerId);
        const before = fakes.twitch.calls;

        const again = await validator.validateOne(streamerId);
        const report = await validator.validateAll();

        expect(again).toBe('needsReauth');
        expect(report).toEqual({ checked: 0, valid: 0, needsReauth: 0, failed: 0 });
        expect(fakes.twitch.calls).toEqual(before);
      });

      it('answers failed and keeps the streamer active when Twitch is down', async () => {
        const { streamerId } = await loggedInStreamer();
        fakes.twitch.failNext('GET', '/oauth2/validate', { status: 503, json: { message: 'unavailable' } });

        const outcome = await validator.validateOne(streamerId);

        expect(outcome).toBe('failed');
        expect((await credentialOf(instance.dataSource, streamerId, 'twitch'))!.status).toBe('active');
        expect((await adminList()).streamers).toEqual([expect.objectContaining({ status: 'active' })]);
      });
    });

    describe(`${ClusterJobsService.name}.runIfLeader`, () => {
      it('validates every active Twitch token and records when', async () => {
        const first = await loggedInStreamer();
        const second = await loggedInStreamer();
        await instance.dataSource.query('UPDATE oauth_credentials SET validated_at = NULL');
        const before = fakes.twitch.calls.validate;

        await instance.app.get(ClusterJobsService).runIfLeader('twitch-token-validation');

        expect(fakes.twitch.calls.validate).toBe(before + 2);
        const rows = await credentialRows(instance.dataSource);
        expect(rows.map((row) => row.streamer_id).sort()).toEqual(
          [first.streamerId, second.streamerId].sort(),
        );
        expect(rows.every((row) => row.validated_at !== null)).toBe(true);
      });
    });
  });
});
