import { DonationAlertsConnectController } from '../../src/auth/donation-alerts-connect.controller';
import { DonationAlertsOAuthClient } from '../../src/donation-alerts/donation-alerts-oauth.client';
import { ReauthRequiredError } from '../../src/oauth/oauth-errors';
import { OAuthCredentialsRepository } from '../../src/oauth/oauth-credentials.repository';
import { OAuthTokenService } from '../../src/oauth/oauth-token.service';
import type { DonationAlertsUser } from '../fakes/fake-donationalerts';
import { createBackingServices, DEPLOYMENTS, type BackingServices } from '../support/deployments';
import { elementById, requireElement } from '../support/html';
import { bootApp, INSTANCE_TEST_ENV, type ListeningTestApp } from '../support/app';
import {
  addTwitchUser,
  clearOnboardingTables,
  credentialOf,
  credentialRows,
  logInWithTwitch,
  startOnboardingFakes,
  type OnboardingFakes,
  startOnboardingInstance,
  logInNewStreamer,
  newDonationAlertsUser,
  connectDonationAlerts,
} from '../support/onboarding';
import { WebClient } from '../support/web-client';

const DA_SCOPES = 'oauth-user-show oauth-donation-index oauth-donation-subscribe';

describe(DonationAlertsConnectController.name, () => {
  describe.each(DEPLOYMENTS)('on %s', (deployment) => {
    let fakes: OnboardingFakes;
    let instance: ListeningTestApp;
    let close: () => Promise<void>;

    beforeAll(async () => {
      ({ fakes, instance, close } = await startOnboardingInstance(deployment));
    });

    beforeEach(async () => {
      await clearOnboardingTables(instance.dataSource);
    });

    afterAll(async () => {
      await close?.();
    });

    const loggedInStreamer = () => logInNewStreamer(instance, fakes.twitch);
    const addDonationAlertsUser = () => newDonationAlertsUser(fakes.da);
    const connect = (client: WebClient, daUser: DonationAlertsUser) =>
      connectDonationAlerts(client, fakes.da, daUser);

    it('redirects to DonationAlerts authorize with exactly the three scopes, the callback under PUBLIC_URL and a state', async () => {
      const { client } = await loggedInStreamer();

      const start = await client.get('/auth/donationalerts');

      expect(start.status).toBe(303);
      const authorize = new URL(start.location!);
      expect(`${authorize.origin}${authorize.pathname}`).toBe(`${fakes.da.baseUrl}/oauth/authorize`);
      expect(Object.fromEntries(authorize.searchParams)).toEqual({
        client_id: fakes.da.clientId,
        redirect_uri: `${instance.publicUrl}/auth/donationalerts/callback`,
        response_type: 'code',
        scope: DA_SCOPES,
        state: expect.stringMatching(/^[A-Za-z0-9_-]{22,}$/),
      });
    });

    it('stores the DonationAlerts account with encrypted tokens and shows it on the dashboard', async () => {
      const { client, streamerId } = await loggedInStreamer();
      const daUser = addDonationAlertsUser();

      const dashboard = await connect(client, daUser);

      expect(dashboard.status).toBe(200);
      expect(dashboard.url).toBe(`${instance.publicUrl}/dashboard?notice=da-connected`);
      expect(dashboard.hops).toEqual([
        `${instance.publicUrl}/auth/donationalerts`,
        expect.stringMatching(`^${fakes.da.baseUrl}/oauth/authorize\\?`),
        expect.stringMatching(`^${instance.publicUrl}/auth/donationalerts/callback\\?code=`),
        `${instance.publicUrl}/dashboard?notice=da-connected`,
      ]);
      expect(fakes.da.authorizeRequests.at(-1)!.scopes.join(' ')).toBe(DA_SCOPES);
      expect(requireElement(dashboard.text, 'notice').text).toBe('DonationAlerts подключён.');
      expect(requireElement(dashboard.text, 'da-state').text).toBe(`Подключён аккаунт: ${daUser.id}`);
      expect(dashboard.text).toContain('<form method="post" action="/auth/donationalerts/disconnect">');
      const row = (await credentialOf(instance.dataSource, streamerId, 'donationalerts'))!;
      const issued = fakes.da.tokensOf(daUser.id)!;
      expect(row).toMatchObject({ account_id: String(daUser.id), scopes: DA_SCOPES, status: 'active' });
      expect(row.access_token).toMatch(/^v1\./);
      expect(row.refresh_token).toMatch(/^v1\./);
      expect(`${row.access_token} ${row.refresh_token}`).not.toContain(issued.accessToken);
      expect(`${row.access_token} ${row.refresh_token}`).not.toContain(issued.refreshToken);
      expect(dashboard.text).not.toContain(issued.accessToken);
      const decrypted = await instance.app.get(OAuthCredentialsRepository).find(streamerId, 'donationalerts');
      expect(decrypted).toMatchObject({ accessToken: issued.accessToken, refreshToken: issued.refreshToken });
    });

    it('shows the cancelled notice and stores nothing when the streamer denies access', async () => {
      const { client, streamerId } = await loggedInStreamer();
      fakes.da.denyNextAuthorization();

      const dashboard = await client.follow('/auth/donationalerts');

      expect(dashboard.url).toBe(`${instance.publicUrl}/dashboard?notice=da-cancelled`);
      expect(requireElement(dashboard.text, 'notice').text).toBe('Подключение DonationAlerts отменено.');
      expect(requireElement(dashboard.text, 'da-state').text).toBe('DonationAlerts не подключён.');
      expect(await credentialOf(instance.dataSource, streamerId, 'donationalerts')).toBeUndefined();
    });

    it('shows the da-taken notice and keeps the first connection when the account belongs to another streamer', async () => {
      const first = await loggedInStreamer();
      const second = await loggedInStreamer();
      const daUser = addDonationAlertsUser();
      await connect(first.client, daUser);
      const firstRow = await credentialOf(instance.dataSource, first.streamerId, 'donationalerts');

      const dashboard = await connect(second.client, daUser);

      expect(dashboard.url).toBe(`${instance.publicUrl}/dashboard?notice=da-taken`);
      expect(requireElement(dashboard.text, 'notice').text).toBe(
        'Этот аккаунт DonationAlerts уже подключён к другому каналу Twitch.',
      );
      expect(await credentialOf(instance.dataSource, second.streamerId, 'donationalerts')).toBeUndefined();
      expect(await credentialOf(instance.dataSource, first.streamerId, 'donationalerts')).toEqual(firstRow);
    });

    it('replaces the connection when the streamer connects another DonationAlerts account', async () => {
      const { client, streamerId } = await loggedInStreamer();
      await connect(client, addDonationAlertsUser());
      const other = addDonationAlertsUser();

      const dashboard = await connect(client, other);

      expect(requireElement(dashboard.text, 'da-state').text).toBe(`Подключён аккаунт: ${other.id}`);
      expect(
        (await credentialRows(instance.dataSource)).filter((row) => row.provider === 'donationalerts'),
      ).toEqual([expect.objectContaining({ streamer_id: streamerId, account_id: String(other.id) })]);
    });

    it('disconnects DonationAlerts on POST /auth/donationalerts/disconnect', async () => {
      const { client, streamerId } = await loggedInStreamer();
      await connect(client, addDonationAlertsUser());

      const disconnect = await client.post('/auth/donationalerts/disconnect');
      const dashboard = await client.get('/dashboard');

      expect(disconnect.status).toBe(303);
      expect(disconnect.location).toBe(`${instance.publicUrl}/dashboard`);
      expect(await credentialOf(instance.dataSource, streamerId, 'donationalerts')).toBeUndefined();
      expect(await credentialOf(instance.dataSource, streamerId, 'twitch')).toBeDefined();
      expect(requireElement(dashboard.text, 'da-state').text).toBe('DonationAlerts не подключён.');
    });

    it.each([
      ['GET', '/auth/donationalerts'],
      ['GET', '/auth/donationalerts/callback?code=abc&state=c3RhdGUtc3RhdGUtc3RhdGUtc3RhdGU'],
      ['POST', '/auth/donationalerts/disconnect'],
    ])('redirects %s %s to / without a session', async (method, path) => {
      const client = new WebClient(instance.publicUrl);
      const before = fakes.da.calls;

      const response = method === 'GET' ? await client.get(path) : await client.post(path);

      expect(response.status).toBe(303);
      expect(response.location).toBe(`${instance.publicUrl}/`);
      expect(fakes.da.calls).toEqual(before);
    });

    it('stores nothing for either streamer when the callback carries a state issued to another streamer', async () => {
      const attacker = await loggedInStreamer();
      const victim = await loggedInStreamer();
      const daUser = addDonationAlertsUser();
      fakes.da.nextLoginAs(daUser.id);
      const start = await attacker.client.get('/auth/donationalerts');
      const consent = await attacker.client.get(start.location!);
      const codeExchanges = fakes.da.calls.authorizationCode;

      const dashboard = await victim.client.follow(consent.location!);

      expect(dashboard.url).toBe(`${instance.publicUrl}/dashboard?notice=da-failed`);
      expect(fakes.da.calls.authorizationCode).toBe(codeExchanges);
      expect((await credentialRows(instance.dataSource)).map((row) => row.provider)).toEqual([
        'twitch',
        'twitch',
      ]);
    });

    it.each([
      ['no state', (callback: URL) => callback.searchParams.delete('state')],
      [
        'a forged state',
        (callback: URL) => callback.searchParams.set('state', 'Zm9yZ2VkLXN0YXRlLWZvcmdlZC1zdGF0ZQ'),
      ],
    ])('stores nothing when the callback has %s', async (_case, forge) => {
      const { client, streamerId } = await loggedInStreamer();
      fakes.da.nextLoginAs(addDonationAlertsUser().id);
      const start = await client.get('/auth/donationalerts');
      const consent = await client.get(start.location!);
      const callback = new URL(consent.location!);
      forge(callback);

      const dashboard = await client.follow(callback.toString());

      expect(dashboard.url).toBe(`${instance.publicUrl}/dashboard?notice=da-failed`);
      expect(await credentialOf(instance.dataSource, streamerId, 'donationalerts')).toBeUndefined();
    });

    it('ignores a replayed callback after the account was connected', async () => {
      const { client, streamerId } = await loggedInStreamer();
      const connected = await connect(client, addDonationAlertsUser());
      const callback = connected.hops[2];
      const row = await credentialOf(instance.dataSource, streamerId, 'donationalerts');

      const replay = await client.follow(callback);

      expect(replay.url).toBe(`${instance.publicUrl}/dashboard?notice=da-failed`);
      expect(await credentialOf(instance.dataSource, streamerId, 'donationalerts')).toEqual(row);
    });

    it('shows the failed notice and stores nothing when DonationAlerts does not answer the code exchange', async () => {
      const { client, streamerId } = await loggedInStreamer();
      fakes.da.nextLoginAs(addDonationAlertsUser().id);
      fakes.da.failNext('POST', '/oauth/token', { status: 500, json: { message: 'Server Error' } });

      const dashboard = await client.follow('/auth/donationalerts');

      expect(dashboard.url).toBe(`${instance.publicUrl}/dashboard?notice=da-failed`);
      expect(requireElement(dashboard.text, 'notice').text).toBe(
        'DonationAlerts не ответил. Попробуйте ещё раз чуть позже.',
      );
      expect(await credentialOf(instance.dataSource, streamerId, 'donationalerts')).toBeUndefined();
    });

    describe('token care', () => {
      it('refreshes the DonationAlerts token once when the API answers 401', async () => {
        const { client, streamerId } = await loggedInStreamer();
        const daUser = addDonationAlertsUser();
        await connect(client, daUser);
        fakes.da.expireAllAccessTokens();
        const before = fakes.da.calls.refreshToken;
        const daClient = instance.app.get(DonationAlertsOAuthClient);

        const account = await instance.app
          .get(OAuthTokenService)
          .withAccessToken(daClient, streamerId, (token) => daClient.currentUser(token));

        expect(account.id).toBe(daUser.id);
        expect(fakes.da.calls.refreshToken).toBe(before + 1);
        const stored = await instance.app.get(OAuthCredentialsRepository).find(streamerId, 'donationalerts');
        expect(stored!.accessToken).toBe(fakes.da.tokensOf(daUser.id)!.accessToken);
      });

      it('asks to reconnect DonationAlerts, leaving Twitch alone, when DonationAlerts refuses the refresh token', async () => {
        const { client, streamerId } = await loggedInStreamer();
        const daUser = addDonationAlertsUser();
        await connect(client, daUser);
        fakes.da.expireAllAccessTokens();
        fakes.da.revokeRefreshTokens(daUser.id);
        const daClient = instance.app.get(DonationAlertsOAuthClient);

        const call = instance.app
          .get(OAuthTokenService)
          .withAccessToken(daClient, streamerId, (token) => daClient.currentUser(token));

        await expect(call).rejects.toBeInstanceOf(ReauthRequiredError);
        const dashboard = await client.get('/dashboard');
        expect(requireElement(dashboard.text, 'da-state').text).toBe(
          'DonationAlerts отклонил доступ. Подключите аккаунт заново.',
        );
        expect(dashboard.text).toContain('<a class="button" href="/auth/donationalerts">Переподключить</a>');
        expect(elementById(dashboard.text, 'twitch-reauth')).toBeUndefined();
        expect((await credentialOf(instance.dataSource, streamerId, 'twitch'))!.status).toBe('active');

        const reconnected = await connect(client, daUser);

        expect(requireElement(reconnected.text, 'da-state').text).toBe(`Подключён аккаунт: ${daUser.id}`);
        expect((await credentialOf(instance.dataSource, streamerId, 'donationalerts'))!.status).toBe(
          'active',
        );
      });
    });
  });
});

describe(`${DonationAlertsConnectController.name} without DA_CLIENT_ID`, () => {
  let services: BackingServices;
  let fakes: OnboardingFakes;
  let instance: ListeningTestApp;

  beforeAll(async () => {
    services = await createBackingServices('sqlite');
    fakes = await startOnboardingFakes();
    instance = await bootApp(
      { ...INSTANCE_TEST_ENV, ...services.env, ...fakes.env, DA_CLIENT_ID: '', DA_CLIENT_SECRET: '' },
      { listen: true },
    );
  });

  afterAll(async () => {
    await instance?.close();
    await fakes?.close();
    await services?.close();
  });

  it('explains on the dashboard that connecting is not configured and keeps /auth/donationalerts on the dashboard', async () => {
    const user = addTwitchUser(fakes.twitch);
    const client = new WebClient(instance.publicUrl);
    const dashboard = await logInWithTwitch(client, fakes.twitch, user);

    const start = await client.get('/auth/donationalerts');

    expect(requireElement(dashboard.text, 'da-state').text).toContain('DA_CLIENT_ID');
    expect(dashboard.text).not.toContain('href="/auth/donationalerts"');
    expect(start.status).toBe(303);
    expect(start.location).toBe(`${instance.publicUrl}/dashboard`);
    expect(fakes.da.calls.authorize).toBe(0);
  });
});
