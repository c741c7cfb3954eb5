import { AuthController } from '../../src/auth/auth.controller';
import { LOGIN_BINDING_COOKIE, SESSION_COOKIE } from '../../src/sessions';
import { PagesController } from '../../src/web/pages.controller';
import { createBackingServices, DEPLOYMENTS, type BackingServices } from '../support/deployments';
import { elementById, requireElement } from '../support/html';
import { bootApp, INSTANCE_TEST_ENV, type ListeningTestApp } from '../support/app';
import {
  addTwitchUser,
  clearOnboardingTables,
  credentialRows,
  logInWithTwitch,
  startOnboardingFakes,
  streamerByTwitchId,
  streamerRows,
  type OnboardingFakes,
  startOnboardingInstance,
} from '../support/onboarding';
import { WebClient } from '../support/web-client';

const SCOPES = 'chat:read chat:edit';
const DAY_MS = 24 * 3_600_000;

describe(AuthController.name, () => {
  describe.each(DEPLOYMENTS)('on %s', (deployment) => {
    let fakes: OnboardingFakes;
    let instance: ListeningTestApp;
    let close: () => Promise<void>;

    beforeAll(async () => {
      ({ fakes, instance, close } = await startOnboardingInstance(deployment, { TWITCH_SCOPES: SCOPES }));
    });

    beforeEach(async () => {
      await clearOnboardingTables(instance.dataSource);
    });

    afterAll(async () => {
      await close?.();
    });

    function browser(): WebClient {
      return new WebClient(instance.publicUrl);
    }

    describe('GET /', () => {
      it('offers the «Войти через Twitch» button in Russian when nobody is logged in', async () => {
        const landing = await browser().get('/');

        expect(landing.status).toBe(200);
        expect(landing.headers.get('content-type')).toMatch(/^text\/html/);
        expect(landing.text).toContain('<html lang="ru">');
        expect(requireElement(landing.text, 'login')).toEqual({
          tag: 'a',
          attributes: { class: 'button', href: '/auth/twitch', id: 'login' },
          text: 'Войти через Twitch',
        });
        expect(elementById(landing.text, 'login-not-configured')).toBeUndefined();
      });

      it('offers "Log in with Twitch" when the browser prefers English', async () => {
        const landing = await browser().get('/', {
          headers: { 'accept-language': 'en-US,en;q=0.9,ru;q=0.5' },
        });

        expect(landing.text).toContain('<html lang="en">');
        expect(requireElement(landing.text, 'login').text).toBe('Log in with Twitch');
      });

      it('links to the dashboard instead of offering the login when the streamer is logged in', async () => {
        const user = addTwitchUser(fakes.twitch);
        const client = browser();
        await logInWithTwitch(client, fakes.twitch, user);

        const landing = await client.get('/');

        expect(elementById(landing.text, 'login')).toBeUndefined();
        expect(landing.text).toContain('href="/dashboard"');
      });
    });

    describe('GET /auth/twitch', () => {
      it('redirects to Twitch authorize with TWITCH_SCOPES, the callback under PUBLIC_URL and a fresh state', async () => {
        const client = browser();

        const first = await client.get('/auth/twitch');
        const second = await client.get('/auth/twitch');

        expect(first.status).toBe(302);
        const authorize = new URL(first.location!);
        expect(`${authorize.origin}${authorize.pathname}`).toBe(`${fakes.twitch.baseUrl}/oauth2/authorize`);
        expect(Object.fromEntries(authorize.searchParams)).toEqual({
          client_id: fakes.twitch.clientId,
          redirect_uri: `${instance.publicUrl}/auth/twitch/callback`,
          response_type: 'code',
          scope: SCOPES,
          state: expect.stringMatching(/^[A-Za-z0-9_-]{22,}$/),
        });
        expect(new URL(second.location!).searchParams.get('state')).not.toBe(
          authorize.searchParams.get('state'),
        );
      });
    });

    describe('a full login', () => {
      it('goes from /auth/twitch through the Twitch consent to the dashboard', async () => {
        const user = addTwitchUser(fakes.twitch);

        const dashboard = await logInWithTwitch(browser(), fakes.twitch, user);

        expect(dashboard.status).toBe(200);
        expect(dashboard.url).toBe(`${instance.publicUrl}/dashboard`);
        expect(dashboard.hops).toEqual([
          `${instance.publicUrl}/auth/twitch`,
          expect.stringMatching(`^${fakes.twitch.baseUrl}/oauth2/authorize\\?`),
          expect.stringMatching(`^${instance.publicUrl}/auth/twitch/callback\\?code=`),
          `${instance.publicUrl}/dashboard`,
        ]);
        expect(fakes.twitch.authorizeRequests.at(-1)).toMatchObject({
          scopes: SCOPES.split(' '),
          state: new URL(dashboard.hops[1]).searchParams.get('state'),
        });
      });

      it('shows the Twitch identity, DonationAlerts not connected, the overlay URL, the bot and logout on the dashboard', async () => {
        const user = addTwitchUser(fakes.twitch);

        const dashboard = await logInWithTwitch(browser(), fakes.twitch, user);

        const page = dashboard.text;
        const stored = await streamerByTwitchId(instance.dataSource, user.id);
        expect(requireElement(page, 'display-name').text).toBe(user.display_name);
        expect(page).toContain(`@${user.login}`);
        expect(page).toContain(`<img class="avatar" src="${user.profile_image_url}"`);
        expect(requireElement(page, 'da-state').text).toBe('DonationAlerts не подключён.');
        expect(page).toContain('<a class="button" href="/auth/donationalerts">Подключить DonationAlerts</a>');
        const overlayUrl = requireElement(page, 'overlay-url').attributes.value;
        expect(overlayUrl).toMatch(new RegExp(`^${instance.publicUrl}/overlay/[A-Za-z0-9_-]{22,}$`));
        expect(overlayUrl).toBe(`${instance.publicUrl}/overlay/${stored.overlay_token}`);
        expect(page).toContain('data-copy="overlay-url"');
        expect(requireElement(page, 'bot').text).toContain('Чат-бот');
        expect(requireElement(page, 'logout')).toMatchObject({ tag: 'button', text: 'Выйти' });
        expect(page).toContain('<form method="post" action="/auth/logout">');
        expect(elementById(page, 'twitch-reauth')).toBeUndefined();
        expect(dashboard.headers.get('cache-control')).toBe('no-store');
      });

      it('shows the dashboard in English when the browser prefers it', async () => {
        const user = addTwitchUser(fakes.twitch);

        const dashboard = await logInWithTwitch(browser(), fakes.twitch, user, { 'accept-language': 'en' });

        expect(requireElement(dashboard.text, 'da-state').text).toBe('DonationAlerts is not connected.');
        expect(requireElement(dashboard.text, 'logout').text).toBe('Log out');
      });

      it('sets an HttpOnly, SameSite=Lax session cookie for the whole site that lasts 30 days', async () => {
        const user = addTwitchUser(fakes.twitch);
        const client = browser();

        await logInWithTwitch(client, fakes.twitch, user);

        const cookie = client.cookie(instance.publicUrl, SESSION_COOKIE);
        expect(cookie).toMatchObject({ path: '/', httpOnly: true, secure: false, sameSite: 'Lax' });
        expect(cookie!.expires!.getTime() - Date.now()).toBeGreaterThan(30 * DAY_MS - 60_000);
        expect(cookie!.expires!.getTime() - Date.now()).toBeLessThanOrEqual(30 * DAY_MS);
        expect(client.cookies(fakes.twitch.baseUrl)).toEqual([]);
      });

      it('stores one active streamer with the Twitch identity and the granted scopes', async () => {
        const user = addTwitchUser(fakes.twitch);

        await logInWithTwitch(browser(), fakes.twitch, user);

        expect(await streamerRows(instance.dataSource)).toEqual([
          {
            id: expect.stringMatching(/^[0-9a-f-]{36}$/),
            twitch_id: user.id,
            login: user.login,
            display_name: user.display_name,
            avatar_url: user.profile_image_url,
            overlay_token: expect.stringMatching(/^[A-Za-z0-9_-]{22,}$/),
            status: 'active',
          },
        ]);
        expect(await credentialRows(instance.dataSource)).toEqual([
          expect.objectContaining({
            provider: 'twitch',
            account_id: user.id,
            scopes: SCOPES,
            status: 'active',
          }),
        ]);
      });

      it('gives every streamer an overlay token of its own', async () => {
        const first = addTwitchUser(fakes.twitch);
        const second = addTwitchUser(fakes.twitch);

        await logInWithTwitch(browser(), fakes.twitch, first);
        await logInWithTwitch(browser(), fakes.twitch, second);

        const tokens = (await streamerRows(instance.dataSource)).map((row) => row.overlay_token);
        expect(tokens).toHaveLength(2);
        expect(new Set(tokens).size).toBe(2);
      });
    });

    describe('when Twitch fails', () => {
      it.each([
        ['the code exchange', 'POST', '/oauth2/token'],
        ['the Helix user lookup', 'GET', '/helix/users'],
      ] as const)(
        'shows "Twitch is unavailable" with a retry link and stores nothing when %s answers 500',
        async (_case, method, path) => {
          const user = addTwitchUser(fakes.twitch);
          fakes.twitch.failNext(method, path, { status: 500, json: { status: 500, message: 'Internal' } });
          const client = browser();

          const page = await logInWithTwitch(client, fakes.twitch, user);

          expect(page.status).toBe(502);
          expect(page.text).toContain('<h1>Twitch недоступен</h1>');
          expect(requireElement(page.text, 'retry').attributes.href).toBe('/auth/twitch');
          expect(client.cookie(instance.publicUrl, SESSION_COOKIE)).toBeUndefined();
          expect(await streamerRows(instance.dataSource)).toEqual([]);
        },
      );
    });

    describe('GET /dashboard', () => {
      it('escapes what Twitch reports about the streamer', async () => {
        const user = addTwitchUser(fakes.twitch, {
          display_name: '<script>alert("x")</script>',
          profile_image_url: 'https://static-cdn.jtvnw.net/a.png" onerror="alert(1)',
        });

        const dashboard = await logInWithTwitch(browser(), fakes.twitch, user);

        expect(dashboard.text).not.toContain('<script>alert');
        expect(dashboard.text).not.toContain('" onerror="');
        expect(requireElement(dashboard.text, 'display-name').text).toBe('<script>alert("x")</script>');
      });

      it('redirects to / with 303 when there is no session', async () => {
        const response = await browser().get('/dashboard');

        expect(response.status).toBe(303);
        expect(response.location).toBe(`${instance.publicUrl}/`);
      });

      it.each([
        [
          'the signature changed',
          (value: string) => value.replace(/.$/, (last) => (last === 'A' ? 'B' : 'A')),
        ],
        ['the expiry pushed later', (value: string) => value.replace(/\.(\d+)\./, (_m, at) => `.${at}9.`)],
        [
          'another streamer id under the same signature',
          (value: string) => value.replace(/^v1\.[^.]+/, 'v1.x'),
        ],
        ['only the payload', (value: string) => value.split('.').slice(0, 3).join('.')],
        ['garbage', () => 'garbage'],
      ])('redirects to / when the session cookie has %s', async (_case, tamper) => {
        const user = addTwitchUser(fakes.twitch);
        const client = browser();
        await logInWithTwitch(client, fakes.twitch, user);
        const genuine = client.cookie(instance.publicUrl, SESSION_COOKIE)!.value;

        const response = await browser().get('/dashboard', {
          headers: { cookie: `${SESSION_COOKIE}=${tamper(genuine)}` },
        });

        expect(tamper(genuine)).not.toBe(genuine);
        expect(response.status).toBe(303);
        expect(response.location).toBe(`${instance.publicUrl}/`);
      });
    });

    describe('OAuth state', () => {
      it('answers 403 "login expired" with a retry link and changes nothing when the callback is replayed', async () => {
        const user = addTwitchUser(fakes.twitch);
        fakes.twitch.nextLoginAs(user.id);
        const client = browser();
        const start = await client.get('/auth/twitch');
        const binding = client.cookie(instance.publicUrl, LOGIN_BINDING_COOKIE)!.value;
        const consent = await client.get(start.location!);
        const login = await client.follow(consent.location!);
        const rowsBefore = await streamerRows(instance.dataSource);
        const credentialsBefore = await credentialRows(instance.dataSource);
        const codeExchanges = fakes.twitch.calls.authorizationCode;

        const replay = await client.get(consent.location!, {
          headers: { cookie: `${LOGIN_BINDING_COOKIE}=${binding}` },
        });

        expect(login.url).toBe(`${instance.publicUrl}/dashboard`);
        expect(replay.status).toBe(403);
        expect(replay.headers.get('content-type')).toMatch(/^text\/html/);
        expect(replay.text).toContain('<h1>Вход устарел</h1>');
        expect(requireElement(replay.text, 'message').text).toBe(
          'Ссылка для входа устарела или уже использована. Начните вход заново.',
        );
        expect(requireElement(replay.text, 'retry').attributes.href).toBe('/auth/twitch');
        expect(replay.headers.getSetCookie().filter((line) => line.startsWith(`${SESSION_COOKIE}=`))).toEqual(
          [],
        );
        expect(await streamerRows(instance.dataSource)).toEqual(rowsBefore);
        expect(await credentialRows(instance.dataSource)).toEqual(credentialsBefore);
        expect(fakes.twitch.calls.authorizationCode).toBe(codeExchanges);
      });

      it.each([
        [
          'was never issued',
          (callback: URL) => callback.searchParams.set('state', 'Zm9yZ2VkLXN0YXRlLWZvcmdlZC1zdGF0ZQ'),
        ],
        ['is missing', (callback: URL) => callback.searchParams.delete('state')],
        ['is empty', (callback: URL) => callback.searchParams.set('state', '')],
      ])('answers 403 and stores nothing when the state %s', async (_case, forge) => {
        const user = addTwitchUser(fakes.twitch);
        fakes.twitch.nextLoginAs(user.id);
        const client = browser();
        const start = await client.get('/auth/twitch');
        const consent = await client.get(start.location!);
        const callback = new URL(consent.location!);
        forge(callback);

        const response = await client.get(callback.toString());

        expect(response.status).toBe(403);
        expect(response.text).toContain('<h1>Вход устарел</h1>');
        expect(client.cookie(instance.publicUrl, SESSION_COOKIE)).toBeUndefined();
        expect(await streamerRows(instance.dataSource)).toEqual([]);
        expect(await credentialRows(instance.dataSource)).toEqual([]);
      });

      it('binds the login to the starting browser with a short-lived HttpOnly cookie, removed by the callback', async () => {
        const user = addTwitchUser(fakes.twitch);
        fakes.twitch.nextLoginAs(user.id);
        const client = browser();

        const start = await client.get('/auth/twitch');
        const binding = client.cookie(instance.publicUrl, LOGIN_BINDING_COOKIE);
        const consent = await client.get(start.location!);
        await client.follow(consent.location!);

        expect(binding).toMatchObject({ path: '/auth', httpOnly: true, sameSite: 'Lax' });
        expect(binding!.value).toMatch(/^[A-Za-z0-9_-]{22,}$/);
        expect(binding!.expires!.getTime() - Date.now()).toBeLessThanOrEqual(600_000);
        expect(client.cookie(instance.publicUrl, LOGIN_BINDING_COOKIE)).toBeUndefined();
        expect(client.cookie(instance.publicUrl, SESSION_COOKIE)).toBeDefined();
      });

      it('answers 403 and logs nobody in when the callback was started in another browser (login CSRF)', async () => {
        const attackerAccount = addTwitchUser(fakes.twitch);
        fakes.twitch.nextLoginAs(attackerAccount.id);
        const attacker = browser();
        const start = await attacker.get('/auth/twitch');
        const consent = await attacker.get(start.location!);
        const victim = browser();

        const response = await victim.get(consent.location!);

        expect(response.status).toBe(403);
        expect(victim.cookie(instance.publicUrl, SESSION_COOKIE)).toBeUndefined();
        expect(await streamerRows(instance.dataSource)).toEqual([]);
      });

      it('shows a friendly "login cancelled" page and stores nothing when the streamer denies access', async () => {
        fakes.twitch.denyNextAuthorization();
        const client = browser();

        const cancelled = await client.follow('/auth/twitch');

        expect(cancelled.url).toMatch(
          new RegExp(`^${instance.publicUrl}/auth/twitch/callback\\?error=access_denied&`),
        );
        expect(cancelled.status).toBe(200);
        expect(cancelled.text).toContain('<h1>Вход отменён</h1>');
        expect(requireElement(cancelled.text, 'retry').attributes.href).toBe('/auth/twitch');
        expect(client.cookie(instance.publicUrl, SESSION_COOKIE)).toBeUndefined();
        expect(await streamerRows(instance.dataSource)).toEqual([]);
        expect(await credentialRows(instance.dataSource)).toEqual([]);
      });
    });

    describe('logging in again', () => {
      it('updates the same streamer row, keeping its id and overlay token, when Twitch reports a new name and avatar', async () => {
        const user = addTwitchUser(fakes.twitch);
        await logInWithTwitch(browser(), fakes.twitch, user);
        const [before] = await streamerRows(instance.dataSource);
        const renamed = {
          ...user,
          login: `${user.login}_renamed`,
          display_name: `${user.display_name}_Renamed`,
          profile_image_url: `https://static-cdn.jtvnw.net/jtv_user_pictures/${user.id}-new-300x300.png`,
        };
        fakes.twitch.addUser(renamed);

        const dashboard = await logInWithTwitch(browser(), fakes.twitch, user);

        expect(await streamerRows(instance.dataSource)).toEqual([
          {
            ...before,
            login: renamed.login,
            display_name: renamed.display_name,
            avatar_url: renamed.profile_image_url,
          },
        ]);
        expect(await credentialRows(instance.dataSource)).toHaveLength(1);
        expect(requireElement(dashboard.text, 'display-name').text).toBe(renamed.display_name);
        expect(dashboard.text).toContain(`src="${renamed.profile_image_url}"`);
      });

      it('makes a streamer in needs_reauth active again and drops the reconnect notice', async () => {
        const user = addTwitchUser(fakes.twitch);
        const client = browser();
        await logInWithTwitch(client, fakes.twitch, user);
        await instance.dataSource.query("UPDATE streamers SET status = 'needs_reauth'");
        await instance.dataSource.query("UPDATE oauth_credentials SET status = 'needs_reauth'");
        const stale = await client.get('/dashboard');

        const dashboard = await logInWithTwitch(client, fakes.twitch, user);

        expect(requireElement(stale.text, 'twitch-reauth').text).toContain('Войдите заново');
        expect(elementById(dashboard.text, 'twitch-reauth')).toBeUndefined();
        expect((await streamerByTwitchId(instance.dataSource, user.id)).status).toBe('active');
        expect((await credentialRows(instance.dataSource)).map((row) => row.status)).toEqual(['active']);
      });
    });

    describe('POST /auth/logout', () => {
      it('expires the session cookie and sends the browser to /, after which /dashboard redirects to /', async () => {
        const user = addTwitchUser(fakes.twitch);
        const client = browser();
        await logInWithTwitch(client, fakes.twitch, user);

        const logout = await client.post('/auth/logout');
        const dashboard = await client.get('/dashboard');

        expect(logout.status).toBe(303);
        expect(logout.location).toBe(`${instance.publicUrl}/`);
        const [cleared] = logout.headers.getSetCookie();
        expect(cleared).toMatch(new RegExp(`^${SESSION_COOKIE}=;`));
        expect(cleared.split('; ')).toEqual(
          expect.arrayContaining(['Max-Age=0', 'Path=/', 'HttpOnly', 'SameSite=Lax']),
        );
        expect(client.cookie(instance.publicUrl, SESSION_COOKIE)).toBeUndefined();
        expect(dashboard.status).toBe(303);
        expect(dashboard.location).toBe(`${instance.publicUrl}/`);
        expect(requireElement((await client.get('/')).text, 'login').text).toBe('Войти через Twitch');
      });
    });
  });
});

describe(`${PagesController.name} without TWITCH_CLIENT_ID`, () => {
  let services: BackingServices;
  let instance: ListeningTestApp;

  beforeAll(async () => {
    services = await createBackingServices('sqlite');
    instance = await bootApp({ ...INSTANCE_TEST_ENV, ...services.env }, { listen: true });
  });

  afterAll(async () => {
    await instance?.close();
    await services?.close();
  });

  it('explains on / that login is not configured, without a login button', async () => {
    const landing = await new WebClient(instance.publicUrl).get('/');

    expect(landing.status).toBe(200);
    expect(requireElement(landing.text, 'login-not-configured').text).toContain('TWITCH_CLIENT_ID');
    expect(elementById(landing.text, 'login')).toBeUndefined();
  });

  it('explains it in English when the browser prefers English', async () => {
    const landing = await new WebClient(instance.publicUrl).get('/', {
      headers: { 'accept-language': 'en' },
    });

    expect(requireElement(landing.text, 'login-not-configured').text).toBe(
      'Twitch login is not configured yet: the operator must set TWITCH_CLIENT_ID and TWITCH_CLIENT_SECRET.',
    );
  });

  it.each(['/auth/twitch', '/auth/twitch/callback?code=abc&state=Zm9yZ2VkLXN0YXRlLWZvcmdlZA'])(
    'redirects %s back to / instead of to Twitch',
    async (path) => {
      const response = await new WebClient(instance.publicUrl).get(path);

      expect(response.status).toBe(303);
      expect(response.location).toBe(`${instance.publicUrl}/`);
    },
  );
});

describe(`${AuthController.name} published over https`, () => {
  let services: BackingServices;
  let fakes: OnboardingFakes;
  let instance: ListeningTestApp;

  beforeAll(async () => {
    services = await createBackingServices('sqlite');
    fakes = await startOnboardingFakes();
    instance = await bootApp(
      { ...INSTANCE_TEST_ENV, ...services.env, ...fakes.env },
      { listen: { publicUrl: 'https://streamer.example' } },
    );
  });

  afterAll(async () => {
    await instance?.close();
    await fakes?.close();
    await services?.close();
  });

  /** The TLS-terminating proxy in front of the app: https outside, the app's own port inside. */
  function behindProxy(url: string): string {
    const { pathname, search } = new URL(url);
    return `${instance.origin}${pathname}${search}`;
  }

  it('marks the login binding and session cookies Secure and sends https-only headers', async () => {
    const user = addTwitchUser(fakes.twitch);
    fakes.twitch.nextLoginAs(user.id);
    const client = new WebClient(instance.origin);

    const start = await client.get('/auth/twitch');
    const consent = await client.get(start.location!);
    const callback = await client.get(behindProxy(consent.location!));

    expect(new URL(start.location!).searchParams.get('redirect_uri')).toBe(
      'https://streamer.example/auth/twitch/callback',
    );
    expect(callback.status).toBe(303);
    const cookies = [...start.headers.getSetCookie(), ...callback.headers.getSetCookie()];
    expect(cookies.length).toBeGreaterThanOrEqual(2);
    for (const line of cookies) {
      expect(line.split('; ')).toEqual(expect.arrayContaining(['Secure', 'HttpOnly', 'SameSite=Lax']));
    }
    expect(client.cookie(instance.origin, SESSION_COOKIE)).toMatchObject({ secure: true });
    expect(start.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    expect(start.headers.get('content-security-policy')).toContain('upgrade-insecure-requests');
  });
});
