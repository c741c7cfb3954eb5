import { TwitchTokenValidator } from '../../src/auth/twitch-token-validator';
import { OAuthCredentialsRepository } from '../../src/oauth/oauth-credentials.repository';
import { createBackingServices, type BackingServices } from '../support/deployments';
import { requireElement } from '../support/html';
import { TestLoadBalancer } from '../support/load-balancer';
import { bootApp, INSTANCE_TEST_ENV, type ListeningTestApp } from '../support/app';
import {
  addTwitchUser,
  callbackHop,
  clearOnboardingTables,
  credentialOf,
  logInWithTwitch,
  startOnboardingFakes,
  streamerByTwitchId,
  streamerRows,
  type OnboardingFakes,
} from '../support/onboarding';
import { WebClient } from '../support/web-client';

const A = 0;
const B = 1;

/**
 * Two instances on one PostgreSQL schema and one Redis prefix behind a load balancer whose address is their
 * PUBLIC_URL, as in production: an OAuth flow may start on one instance and come back to the other.
 */
describe('onboarding across two instances (PostgreSQL + Redis)', () => {
  let services: BackingServices;
  let fakes: OnboardingFakes;
  let balancer: TestLoadBalancer;
  const instances: ListeningTestApp[] = [];

  beforeAll(async () => {
    services = await createBackingServices('postgres+redis');
    fakes = await startOnboardingFakes();
    balancer = await TestLoadBalancer.start(() => instances);
    for (let index = 0; index < 2; index += 1) {
      instances.push(
        await bootApp(
          { ...INSTANCE_TEST_ENV, ...services.env, ...fakes.env },
          { listen: { publicUrl: balancer.origin } },
        ),
      );
    }
  });

  beforeEach(async () => {
    await clearOnboardingTables(instances[A].dataSource);
    balancer.routed.length = 0;
    balancer.route = () => A;
    fakes.twitch.tokenLatencyMs = 0;
  });

  afterAll(async () => {
    await balancer?.close();
    for (const instance of instances) {
      await instance.close();
    }
    await fakes?.close();
    await services?.close();
  });

  function browser(): WebClient {
    return new WebClient(balancer.origin);
  }

  /** Sends the Twitch and DonationAlerts callbacks to B and everything else to A. */
  function callbacksToB(): void {
    balancer.route = (_method, path) =>
      path.startsWith('/auth/twitch/callback') || path.startsWith('/auth/donationalerts/callback') ? B : A;
  }

  it('logs in when the Twitch callback lands on the other instance, and both accept the session', async () => {
    const user = addTwitchUser(fakes.twitch);
    const client = browser();
    callbacksToB();

    const dashboard = await logInWithTwitch(client, fakes.twitch, user);
    balancer.route = () => B;
    const onB = await client.get('/dashboard');

    expect(dashboard.status).toBe(200);
    expect(requireElement(dashboard.text, 'display-name').text).toBe(user.display_name);
    expect(balancer.routed).toEqual([
      { method: 'GET', path: '/auth/twitch', instance: A },
      { method: 'GET', path: '/auth/twitch/callback', instance: B },
      { method: 'GET', path: '/dashboard', instance: A },
      { method: 'GET', path: '/dashboard', instance: B },
    ]);
    expect(onB.status).toBe(200);
    expect(requireElement(onB.text, 'overlay-url').attributes.value).toMatch(
      new RegExp(`^${balancer.origin}/overlay/[A-Za-z0-9_-]{22,}$`),
    );
    expect(await streamerRows(instances[A].dataSource)).toHaveLength(1);
  });

  it('refuses on the first instance a state the other instance already consumed', async () => {
    const user = addTwitchUser(fakes.twitch);
    const client = browser();
    callbacksToB();
    const login = await logInWithTwitch(client, fakes.twitch, user);
    const rows = await streamerRows(instances[A].dataSource);
    const codeExchanges = fakes.twitch.calls.authorizationCode;
    balancer.route = () => A;

    const replay = await client.get(callbackHop(login));

    expect(replay.status).toBe(403);
    expect(replay.text).toContain('<h1>Вход устарел</h1>');
    expect(balancer.routed.at(-1)).toEqual({ method: 'GET', path: '/auth/twitch/callback', instance: A });
    expect(await streamerRows(instances[A].dataSource)).toEqual(rows);
    expect(fakes.twitch.calls.authorizationCode).toBe(codeExchanges);
  });

  it('lets only one of two simultaneous callbacks with the same state through, one on each instance', async () => {
    const user = addTwitchUser(fakes.twitch);
    fakes.twitch.nextLoginAs(user.id);
    const client = browser();
    const start = await client.get('/auth/twitch');
    const consent = await client.get(start.location!);
    balancer.route = (_method, _path, index) => index % 2;

    const answers = await Promise.all([client.get(consent.location!), client.get(consent.location!)]);

    expect(answers.map((answer) => answer.status).sort()).toEqual([303, 403]);
    expect(
      new Set(
        balancer.routed
          .filter((routed) => routed.path === '/auth/twitch/callback')
          .map((routed) => routed.instance),
      ),
    ).toEqual(new Set([A, B]));
    expect(await streamerRows(instances[A].dataSource)).toHaveLength(1);
  });

  it('connects DonationAlerts when its callback lands on the other instance', async () => {
    const user = addTwitchUser(fakes.twitch);
    const daUser = fakes.da.addUser({ id: 5_300_001, code: 'cluster_da', name: 'Cluster DA' });
    const client = browser();
    await logInWithTwitch(client, fakes.twitch, user);
    callbacksToB();
    fakes.da.nextLoginAs(daUser.id);

    const dashboard = await client.follow('/auth/donationalerts');

    expect(dashboard.url).toBe(`${balancer.origin}/dashboard?notice=da-connected`);
    expect(requireElement(dashboard.text, 'da-state').text).toBe(`Подключён аккаунт: ${daUser.id}`);
    expect(balancer.routed.find((routed) => routed.path === '/auth/donationalerts/callback')?.instance).toBe(
      B,
    );
    const streamer = await streamerByTwitchId(instances[B].dataSource, user.id);
    expect(await credentialOf(instances[B].dataSource, streamer.id, 'donationalerts')).toMatchObject({
      account_id: String(daUser.id),
    });
  });

  it('goes through the whole journey with every request on the next instance in turn', async () => {
    const user = addTwitchUser(fakes.twitch);
    const daUser = fakes.da.addUser({ id: 5_300_002, code: 'journey_da', name: 'Journey DA' });
    balancer.route = (_method, _path, index) => index % 2;
    const client = browser();

    const afterLogin = await logInWithTwitch(client, fakes.twitch, user);
    fakes.da.nextLoginAs(daUser.id);
    const afterConnect = await client.follow('/auth/donationalerts');
    const logout = await client.post('/auth/logout');
    const afterLogout = await client.get('/dashboard');

    expect(afterLogin.url).toBe(`${balancer.origin}/dashboard`);
    expect(requireElement(afterConnect.text, 'da-state').text).toBe(`Подключён аккаунт: ${daUser.id}`);
    expect(requireElement(afterConnect.text, 'overlay-url').attributes.value).toMatch(
      new RegExp(`^${balancer.origin}/overlay/`),
    );
    expect(logout.location).toBe(`${balancer.origin}/`);
    expect(afterLogout.status).toBe(303);
    expect(new Set(balancer.routed.map((routed) => routed.instance))).toEqual(new Set([A, B]));
  });

  it('makes ONE refresh call when both instances hit 401 at the same time, and both validations succeed', async () => {
    const user = addTwitchUser(fakes.twitch);
    await logInWithTwitch(browser(), fakes.twitch, user);
    const streamer = await streamerByTwitchId(instances[A].dataSource, user.id);
    fakes.twitch.expireAllAccessTokens();
    fakes.twitch.tokenLatencyMs = 300;
    const before = fakes.twitch.calls.refreshToken;

    const outcomes = await Promise.all(
      instances.map((instance) => instance.app.get(TwitchTokenValidator).validateOne(streamer.id)),
    );

    expect(outcomes).toEqual(['valid', 'valid']);
    expect(fakes.twitch.calls.refreshToken).toBe(before + 1);
    const stored = await Promise.all(
      instances.map((instance) => instance.app.get(OAuthCredentialsRepository).find(streamer.id, 'twitch')),
    );
    expect(stored.map((credential) => credential!.accessToken)).toEqual([
      fakes.twitch.tokensOf(user.id)!.accessToken,
      fakes.twitch.tokensOf(user.id)!.accessToken,
    ]);
  });
});
