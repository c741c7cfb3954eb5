import { launchBrowser } from '../support/browser';
import { waitFor } from '../support/waiting';
import { parseSetCookie, WebClient, type WebResponse } from '../support/web-client';
import { FakeDonationAlerts, type DonationAlertsDonationsPage } from './fake-donationalerts';
import { FakeHttpServer, jsonReply, redirectReply } from './fake-http-server';
import { FakeTwitch } from './fake-twitch';

interface Tokens {
  access_token: string;
  refresh_token: string;
}

const CALLBACK = 'http://127.0.0.1:1/auth/twitch/callback';

function query(url: string | undefined): Record<string, string> {
  return Object.fromEntries(new URL(url ?? 'missing:').searchParams);
}

async function elapsedMs<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await work();
  return [result, performance.now() - started];
}

describe(FakeTwitch.name, () => {
  let twitch: FakeTwitch;
  let client: WebClient;

  beforeEach(async () => {
    twitch = await FakeTwitch.start();
    twitch.addUser({ id: '1001', login: 'streamer_one', display_name: 'Streamer_One' });
    twitch.addUser({
      id: '1002',
      login: 'streamer_two',
      display_name: 'Streamer_Two',
      profile_image_url: 'https://example.test/two.png',
    });
    client = new WebClient(twitch.baseUrl);
  });

  afterEach(() => twitch.close());

  function authorizeUrl(params: Record<string, string> = {}): string {
    return `/oauth2/authorize?${new URLSearchParams({
      client_id: twitch.clientId,
      redirect_uri: CALLBACK,
      response_type: 'code',
      scope: 'chat:read user:read:email',
      state: 'state-123',
      ...params,
    }).toString()}`;
  }

  async function authorizationCode(params: Record<string, string> = {}): Promise<string> {
    const response = await client.get(authorizeUrl(params));
    return query(response.location).code;
  }

  function exchange(code: string, overrides: Record<string, string> = {}) {
    return client.post('/oauth2/token', {
      client_id: twitch.clientId,
      client_secret: twitch.clientSecret,
      code,
      grant_type: 'authorization_code',
      redirect_uri: CALLBACK,
      ...overrides,
    });
  }

  function refresh(refreshToken: string) {
    return client.post('/oauth2/token', {
      client_id: twitch.clientId,
      client_secret: twitch.clientSecret,
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
    });
  }

  async function login(): Promise<Tokens> {
    const response = await exchange(await authorizationCode());
    return JSON.parse(response.text) as Tokens;
  }

  describe('GET /oauth2/authorize', () => {
    it('redirects to redirect_uri with a code, the scopes and the state, and records the request', async () => {
      const response = await client.get(authorizeUrl({ force_verify: 'true' }));

      expect(response.status).toBe(302);
      expect(response.location?.startsWith(`${CALLBACK}?`)).toBe(true);
      expect(query(response.location)).toEqual({
        code: expect.stringMatching(/^[0-9a-f]{30}$/),
        scope: 'chat:read user:read:email',
        state: 'state-123',
      });
      expect(twitch.authorizeRequests).toEqual([
        {
          clientId: twitch.clientId,
          redirectUri: CALLBACK,
          responseType: 'code',
          scopes: ['chat:read', 'user:read:email'],
          state: 'state-123',
          forceVerify: true,
        },
      ]);
    });

    it('omits state from the redirect when the request had none', async () => {
      const params = new URLSearchParams(authorizeUrl().split('?')[1]);
      params.delete('state');

      const response = await client.get(`/oauth2/authorize?${params.toString()}`);

      expect(Object.keys(query(response.location)).sort()).toEqual(['code', 'scope']);
    });

    it('answers 400 for an unknown client_id or a response_type other than code', async () => {
      const badClient = await client.get(authorizeUrl({ client_id: 'someone-else' }));
      const badType = await client.get(authorizeUrl({ response_type: 'token' }));

      expect(badClient.status).toBe(400);
      expect(JSON.parse(badClient.text)).toEqual({ status: 400, message: 'invalid client' });
      expect(badType.status).toBe(400);
      expect(twitch.authorizeRequests).toEqual([]);
    });

    it('redirects with access_denied and the state once after denyNextAuthorization()', async () => {
      twitch.denyNextAuthorization();

      const denied = await client.get(authorizeUrl());
      const next = await client.get(authorizeUrl());

      expect(denied.location).toBe(
        `${CALLBACK}?error=access_denied&error_description=The+user+denied+you+access&state=state-123`,
      );
      expect(query(next.location).code).toBeDefined();
    });
  });

  describe('POST /oauth2/token', () => {
    it('exchanges a code for bearer tokens carrying the approved scopes', async () => {
      const response = await exchange(await authorizationCode());

      expect(response.status).toBe(200);
      expect(JSON.parse(response.text)).toEqual({
        access_token: expect.stringMatching(/^[0-9a-f]{30}$/),
        refresh_token: expect.stringMatching(/^[0-9a-f]{30}$/),
        expires_in: 14_400,
        scope: ['chat:read', 'user:read:email'],
        token_type: 'bearer',
      });
      expect(twitch.calls.authorizationCode).toBe(1);
    });

    it('accepts a JSON body too', async () => {
      const code = await authorizationCode();

      const response = await fetch(`${twitch.baseUrl}/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          client_id: twitch.clientId,
          client_secret: twitch.clientSecret,
          code,
          grant_type: 'authorization_code',
          redirect_uri: CALLBACK,
        }),
      });

      expect(response.status).toBe(200);
    });

    it('accepts a code once only', async () => {
      const code = await authorizationCode();

      const first = await exchange(code);
      const second = await exchange(code);

      expect(first.status).toBe(200);
      expect(second.status).toBe(400);
      expect(JSON.parse(second.text)).toEqual({ status: 400, message: 'Invalid authorization code' });
    });

    it('refuses a code presented with another redirect_uri', async () => {
      const response = await exchange(await authorizationCode(), {
        redirect_uri: 'http://127.0.0.1:1/elsewhere',
      });

      expect(response.status).toBe(400);
    });

    it('answers 403 for a wrong client secret', async () => {
      const response = await exchange(await authorizationCode(), { client_secret: 'wrong' });

      expect(response.status).toBe(403);
      expect(JSON.parse(response.text)).toEqual({ status: 403, message: 'invalid client secret' });
    });

    it('rotates refresh tokens: the old one is refused after use', async () => {
      const first = await login();

      const refreshed = await refresh(first.refresh_token);
      const again = await refresh(first.refresh_token);

      expect(refreshed.status).toBe(200);
      const second = JSON.parse(refreshed.text);
      expect(second.access_token).not.toBe(first.access_token);
      expect(second.refresh_token).not.toBe(first.refresh_token);
      expect(second.scope).toEqual(['chat:read', 'user:read:email']);
      expect(again.status).toBe(400);
      expect(JSON.parse(again.text)).toEqual({ status: 400, message: 'Invalid refresh token' });
      expect(twitch.tokensOf('1001')).toEqual({
        accessToken: second.access_token,
        refreshToken: second.refresh_token,
      });
      expect(twitch.issuedAccessTokens()).toEqual([first.access_token, second.access_token]);
      expect(twitch.calls.refreshToken).toBe(2);
    });

    it('refuses refresh tokens after revokeRefreshTokens()', async () => {
      const tokens = await login();
      twitch.revokeRefreshTokens('1001');

      const response = await refresh(tokens.refresh_token);

      expect(response.status).toBe(400);
    });

    it('waits tokenLatencyMs, so of two concurrent refreshes with one token exactly one wins', async () => {
      const tokens = await login();
      twitch.tokenLatencyMs = 300;

      const [responses, elapsed] = await elapsedMs(() =>
        Promise.all([refresh(tokens.refresh_token), refresh(tokens.refresh_token)]),
      );

      expect(responses.map((response) => response.status).sort()).toEqual([200, 400]);
      expect(elapsed).toBeGreaterThanOrEqual(290);
      expect(elapsed).toBeLessThan(590);
    });

    it('closes promptly while a delayed token answer is pending, cutting its connection', async () => {
      const tokens = await login();
      twitch.tokenLatencyMs = 10_000;
      const pending = refresh(tokens.refresh_token).then(
        () => 'answered',
        () => 'cut',
      );
      await waitFor(() => twitch.calls.refreshToken === 1, { what: 'the refresh to arrive' });

      const [, elapsed] = await elapsedMs(() => twitch.close());

      expect(elapsed).toBeLessThan(1000);
      expect(await pending).toBe('cut');
    });

    it('answers an injected fault instead, then works again', async () => {
      twitch.failNext('POST', '/oauth2/token', jsonReply(503, { message: 'try later' }));
      const code = await authorizationCode();

      const failed = await exchange(code);
      const succeeded = await exchange(code);

      expect(failed.status).toBe(503);
      expect(succeeded.status).toBe(200);
      expect(twitch.calls.authorizationCode).toBe(2);
    });
  });

  describe('GET /oauth2/validate', () => {
    it('describes a live token', async () => {
      const tokens = await login();

      const response = await client.get('/oauth2/validate', {
        headers: { authorization: `OAuth ${tokens.access_token}` },
      });

      expect(response.status).toBe(200);
      expect(JSON.parse(response.text)).toEqual({
        client_id: twitch.clientId,
        login: 'streamer_one',
        scopes: ['chat:read', 'user:read:email'],
        user_id: '1001',
        expires_in: expect.any(Number),
      });
      expect(JSON.parse(response.text).expires_in).toBeGreaterThan(14_300);
    });

    it('answers 401 for an unknown or expired token, while its refresh token still works', async () => {
      const tokens = await login();
      twitch.expireAccessToken(tokens.access_token);

      const expired = await client.get('/oauth2/validate', {
        headers: { authorization: `OAuth ${tokens.access_token}` },
      });
      const unknown = await client.get('/oauth2/validate', { headers: { authorization: 'OAuth nope' } });
      const refreshed = await refresh(tokens.refresh_token);

      expect(expired.status).toBe(401);
      expect(JSON.parse(expired.text)).toEqual({ status: 401, message: 'invalid access token' });
      expect(unknown.status).toBe(401);
      expect(refreshed.status).toBe(200);
      expect(twitch.calls.validate).toBe(2);
    });
  });

  describe('GET /helix/users', () => {
    it("returns the token's user with the Client-Id header", async () => {
      twitch.nextLoginAs('1002');
      const tokens = await login();

      const response = await client.get('/helix/users', {
        headers: { authorization: `Bearer ${tokens.access_token}`, 'client-id': twitch.clientId },
      });

      expect(response.status).toBe(200);
      expect(JSON.parse(response.text)).toEqual({
        data: [
          {
            id: '1002',
            login: 'streamer_two',
            display_name: 'Streamer_Two',
            type: '',
            broadcaster_type: '',
            description: '',
            profile_image_url: 'https://example.test/two.png',
            offline_image_url: '',
            view_count: 0,
            created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
          },
        ],
      });
      expect(twitch.calls.users).toBe(1);
    });

    it('returns the users of several id parameters, leaving out unknown ones, and refuses more than 100', async () => {
      const tokens = await login();
      const headers = { authorization: `Bearer ${tokens.access_token}`, 'client-id': twitch.clientId };

      const several = await client.get('/helix/users?id=1002&id=404&id=1001', { headers });
      const tooMany = await client.get(
        `/helix/users?${Array.from({ length: 101 }, (_, i) => `id=${i}`).join('&')}`,
        { headers },
      );

      expect(several.status).toBe(200);
      const users = (JSON.parse(several.text) as { data: Array<{ id: string; profile_image_url: string }> })
        .data;
      expect(users.map((user) => [user.id, user.profile_image_url]).sort()).toEqual([
        ['1001', 'https://static-cdn.jtvnw.net/jtv_user_pictures/1001-profile_image-300x300.png'],
        ['1002', 'https://example.test/two.png'],
      ]);
      expect(tooMany.status).toBe(400);
    });

    it('approves as the first user again after one nextLoginAs()', async () => {
      twitch.nextLoginAs('1002');
      await login();

      await login();

      expect(twitch.tokensOf('1001')).toBeDefined();
    });

    it('answers 401 for an expired token or a missing Client-Id', async () => {
      const tokens = await login();

      const noClientId = await client.get('/helix/users', {
        headers: { authorization: `Bearer ${tokens.access_token}` },
      });
      twitch.expireAllAccessTokens();
      const expired = await client.get('/helix/users', {
        headers: { authorization: `Bearer ${tokens.access_token}`, 'client-id': twitch.clientId },
      });

      expect(noClientId.status).toBe(401);
      expect(expired.status).toBe(401);
      expect(JSON.parse(expired.text)).toEqual({
        error: 'Unauthorized',
        status: 401,
        message: 'Invalid OAuth token',
      });
    });
  });
});

describe(FakeDonationAlerts.name, () => {
  const callback = 'http://127.0.0.1:1/donationalerts/callback';
  let da: FakeDonationAlerts;
  let client: WebClient;

  beforeEach(async () => {
    da = await FakeDonationAlerts.start();
    da.addUser({ id: 501, code: 'streamer_one', name: 'Streamer One' });
    da.addUser({ id: 502, code: 'streamer_two', name: 'Streamer Two', email: null });
    client = new WebClient(da.baseUrl);
  });

  afterEach(() => da.close());

  function authorizeUrl(params: Record<string, string> = {}): string {
    return `/oauth/authorize?${new URLSearchParams({
      client_id: da.clientId,
      redirect_uri: callback,
      response_type: 'code',
      scope: 'oauth-user-show oauth-donation-index oauth-donation-subscribe',
      state: 'da-state',
      ...params,
    }).toString()}`;
  }

  async function login(): Promise<Tokens> {
    const authorized = await client.get(authorizeUrl());
    const response = await client.post('/oauth/token', {
      grant_type: 'authorization_code',
      client_id: da.clientId,
      client_secret: da.clientSecret,
      redirect_uri: callback,
      code: query(authorized.location).code,
    });
    expect(response.status).toBe(200);
    return JSON.parse(response.text) as Tokens;
  }

  function refresh(refreshToken: string) {
    return client.post('/oauth/token', {
      grant_type: 'refresh_token',
      client_id: da.clientId,
      client_secret: da.clientSecret,
      refresh_token: refreshToken,
    });
  }

  function userOauth(token: string) {
    return client.get('/api/v1/user/oauth', { headers: { authorization: `Bearer ${token}` } });
  }

  it('redirects authorize to redirect_uri with a code and the state, recording the scopes', async () => {
    const response = await client.get(authorizeUrl());

    expect(response.status).toBe(302);
    expect(query(response.location)).toEqual({ code: expect.any(String), state: 'da-state' });
    expect(da.authorizeRequests[0].scopes).toEqual([
      'oauth-user-show',
      'oauth-donation-index',
      'oauth-donation-subscribe',
    ]);
  });

  it('refuses an unknown scope or client at authorize', async () => {
    const badScope = await client.get(authorizeUrl({ scope: 'oauth-user-show oauth-everything' }));
    const badClient = await client.get(authorizeUrl({ client_id: '9' }));

    expect(badScope.status).toBe(400);
    expect(JSON.parse(badScope.text).error).toBe('invalid_scope');
    expect(badClient.status).toBe(401);
    expect(JSON.parse(badClient.text).error).toBe('invalid_client');
  });

  it('redirects with access_denied after denyNextAuthorization()', async () => {
    da.denyNextAuthorization();

    const response = await client.get(authorizeUrl());

    expect(query(response.location)).toEqual({
      error: 'access_denied',
      error_description: expect.any(String),
      state: 'da-state',
    });
  });

  it('exchanges a code once for Bearer tokens', async () => {
    const authorized = await client.get(authorizeUrl());
    const form = {
      grant_type: 'authorization_code',
      client_id: da.clientId,
      client_secret: da.clientSecret,
      redirect_uri: callback,
      code: query(authorized.location).code,
    };

    const first = await client.post('/oauth/token', form);
    const second = await client.post('/oauth/token', form);
    const badSecret = await client.post('/oauth/token', { ...form, client_secret: 'wrong' });

    expect(first.status).toBe(200);
    expect(JSON.parse(first.text)).toEqual({
      token_type: 'Bearer',
      expires_in: 631_152_000,
      access_token: expect.any(String),
      refresh_token: expect.any(String),
    });
    expect(second.status).toBe(400);
    expect(JSON.parse(second.text)).toMatchObject({ error: 'invalid_grant', message: expect.any(String) });
    expect(badSecret.status).toBe(401);
    expect(JSON.parse(badSecret.text)).toMatchObject({ error: 'invalid_client' });
    expect(da.calls.authorizationCode).toBe(3);
  });

  it('rotates refresh tokens: the old one is refused after use', async () => {
    const first = await login();

    const refreshed = await refresh(first.refresh_token);
    const again = await refresh(first.refresh_token);

    expect(refreshed.status).toBe(200);
    expect(JSON.parse(refreshed.text).refresh_token).not.toBe(first.refresh_token);
    expect(again.status).toBe(400);
    expect(JSON.parse(again.text).error).toBe('invalid_grant');
    expect(da.tokensOf(501)?.refreshToken).toBe(JSON.parse(refreshed.text).refresh_token);
    expect(da.calls.refreshToken).toBe(2);
  });

  it('waits tokenLatencyMs before answering token calls', async () => {
    const tokens = await login();
    da.tokenLatencyMs = 150;

    const [responses, elapsed] = await elapsedMs(() =>
      Promise.all([refresh(tokens.refresh_token), refresh(tokens.refresh_token)]),
    );

    expect(responses.map((response) => response.status).sort()).toEqual([200, 400]);
    expect(elapsed).toBeGreaterThanOrEqual(140);
  });

  it('returns the user behind a live token from /api/v1/user/oauth', async () => {
    da.nextLoginAs(502);
    const tokens = await login();

    const response = await userOauth(tokens.access_token);

    expect(response.status).toBe(200);
    expect(JSON.parse(response.text)).toEqual({
      data: {
        id: 502,
        code: 'streamer_two',
        name: 'Streamer Two',
        avatar: expect.stringMatching(/^https:\/\//),
        email: null,
        socket_connection_token: expect.stringMatching(/^\S{40,}$/),
      },
    });
    expect(da.calls.userOauth).toBe(1);
  });

  it('answers 401 Unauthenticated for a missing or expired token, 403 without oauth-user-show', async () => {
    const tokens = await login();
    const authorized = await client.get(authorizeUrl({ scope: 'oauth-donation-index' }));
    const narrow = await client.post('/oauth/token', {
      grant_type: 'authorization_code',
      client_id: da.clientId,
      client_secret: da.clientSecret,
      redirect_uri: callback,
      code: query(authorized.location).code,
    });

    const missing = await client.get('/api/v1/user/oauth');
    const withoutScope = await userOauth(JSON.parse(narrow.text).access_token);
    da.expireAccessToken(tokens.access_token);
    const expired = await userOauth(tokens.access_token);

    expect(missing.status).toBe(401);
    expect(JSON.parse(missing.text)).toEqual({ message: 'Unauthenticated.' });
    expect(withoutScope.status).toBe(403);
    expect(expired.status).toBe(401);
    expect((await refresh(tokens.refresh_token)).status).toBe(200);
  });
});

describe(`${FakeDonationAlerts.name} donations API`, () => {
  const callback = 'http://127.0.0.1:1/donationalerts/callback';
  const allScopes = 'oauth-user-show oauth-donation-index oauth-donation-subscribe';
  const start = Date.UTC(2024, 0, 2, 3, 4, 5);
  let time: number;
  let da: FakeDonationAlerts;
  let client: WebClient;

  beforeEach(async () => {
    time = start;
    da = await FakeDonationAlerts.start({ clock: () => time });
    da.addUser({ id: 501, code: 'streamer_one', name: 'Streamer One' });
    da.addUser({ id: 502, code: 'streamer_two', name: 'Streamer Two' });
    client = new WebClient(da.baseUrl);
  });

  afterEach(() => da.close());

  async function accessToken(userId = 501, scope = allScopes): Promise<string> {
    da.nextLoginAs(userId);
    const authorized = await client.get(
      `/oauth/authorize?${new URLSearchParams({
        client_id: da.clientId,
        redirect_uri: callback,
        response_type: 'code',
        scope,
      }).toString()}`,
    );
    const response = await client.post('/oauth/token', {
      grant_type: 'authorization_code',
      client_id: da.clientId,
      client_secret: da.clientSecret,
      redirect_uri: callback,
      code: query(authorized.location).code,
    });
    return (JSON.parse(response.text) as Tokens).access_token;
  }

  function donations(token: string, page?: number): Promise<WebResponse> {
    const search = page === undefined ? '' : `?page=${page}`;
    return client.get(`/api/v1/alerts/donations${search}`, {
      headers: { authorization: `Bearer ${token}` },
    });
  }

  function pageOf(response: WebResponse): DonationAlertsDonationsPage {
    expect(response.status).toBe(200);
    return JSON.parse(response.text) as DonationAlertsDonationsPage;
  }

  function statuses(responses: WebResponse[]): number[] {
    return responses.map((response) => response.status);
  }

  function userOauth(token: string): Promise<WebResponse> {
    return client.get('/api/v1/user/oauth', { headers: { authorization: `Bearer ${token}` } });
  }

  async function inSequence(
    count: number,
    request: (index: number) => Promise<WebResponse>,
  ): Promise<WebResponse[]> {
    const responses: WebResponse[] = [];
    for (let index = 0; index < count; index += 1) {
      responses.push(await request(index));
    }
    return responses;
  }

  describe('GET /api/v1/alerts/donations', () => {
    it('pages the token user’s donations newest first, 30 a page, with Laravel meta and links', async () => {
      const token = await accessToken();
      const added = da.addDonations(
        501,
        Array.from({ length: 45 }, () => ({})),
      );
      da.addDonation(502);
      const path = `${da.baseUrl}/api/v1/alerts/donations`;
      const newestFirst = added.map((donation) => donation.id).reverse();

      const first = pageOf(await donations(token, 1));
      const second = pageOf(await donations(token, 2));
      const beyond = pageOf(await donations(token, 3));

      expect(first.data.map((donation) => donation.id)).toEqual(newestFirst.slice(0, 30));
      expect(first.links).toEqual({
        first: `${path}?page=1`,
        last: `${path}?page=2`,
        prev: null,
        next: `${path}?page=2`,
      });
      expect(first.meta).toEqual({
        current_page: 1,
        from: 1,
        last_page: 2,
        path,
        per_page: 30,
        to: 30,
        total: 45,
      });
      expect(second.data.map((donation) => donation.id)).toEqual(newestFirst.slice(30));
      expect(second.links).toEqual({
        first: `${path}?page=1`,
        last: `${path}?page=2`,
        prev: `${path}?page=1`,
        next: null,
      });
      expect(second.meta).toMatchObject({ current_page: 2, from: 31, to: 45, last_page: 2, total: 45 });
      expect(beyond.data).toEqual([]);
      expect(beyond.links).toMatchObject({ prev: `${path}?page=2`, next: null });
      expect(beyond.meta).toEqual({
        current_page: 3,
        from: null,
        last_page: 2,
        path,
        per_page: 30,
        to: null,
        total: 45,
      });
      expect(da.calls.donations).toBe(3);
      expect(da.donationCallsOf(501)).toBe(3);
      expect(da.donationCallsOf(502)).toBe(0);
    });

    it('reads a missing or malformed page as page 1 and answers an empty first page without donations', async () => {
      const token = await accessToken();

      const empty = pageOf(await donations(token));
      da.addDonation(501);
      const malformed = pageOf(
        await client.get('/api/v1/alerts/donations?page=2abc', {
          headers: { authorization: `Bearer ${token}` },
        }),
      );

      expect(empty.data).toEqual([]);
      expect(empty.meta).toMatchObject({ current_page: 1, from: null, to: null, last_page: 1, total: 0 });
      expect(malformed.meta.current_page).toBe(1);
      expect(malformed.data).toHaveLength(1);
    });

    it('returns donations in DonationAlerts’ shape, with defaults, an anonymous donor as null and UTC times', async () => {
      const token = await accessToken();
      const named = da.addDonation(501);
      time = start + 61_000;
      const anonymous = da.addDonation(501, {
        username: null,
        message: 'Привет!',
        amount: 12.5,
        currency: 'USD',
        is_shown: 1,
        shown_at: '2024-01-02 03:05:10',
      });

      const page = pageOf(await donations(token));

      expect(named).toEqual({
        id: expect.any(Number),
        name: 'donation',
        username: `Donor ${named.id}`,
        message_type: 'text',
        message: expect.any(String),
        amount: 100,
        currency: 'RUB',
        is_shown: 0,
        created_at: '2024-01-02 03:04:05',
        shown_at: null,
      });
      expect(anonymous.id).toBeGreaterThan(named.id);
      expect(anonymous.created_at).toBe('2024-01-02 03:05:06');
      expect(page.data).toEqual([anonymous, named]);
      expect(page.data[0].username).toBeNull();
      expect(da.donationsOf(501)).toEqual(page.data);
    });

    it('keeps ids increasing across users and refuses an id used before', () => {
      const [first] = da.addDonations(501, [{}]);
      const second = da.addDonation(502);
      const chosen = da.addDonation(501, { id: second.id + 100 });
      const next = da.addDonation(502);

      expect(second.id).toBeGreaterThan(first.id);
      expect(next.id).toBe(chosen.id + 1);
      expect(() => da.addDonation(502, { id: first.id })).toThrow(`already has donation ${first.id}`);
      expect(() => da.addDonation(999)).toThrow('no user 999');
    });

    it('answers 401 without a live token and 403 for a token without oauth-donation-index', async () => {
      const narrow = await accessToken(501, 'oauth-user-show');
      const expired = await accessToken(501);
      da.expireAccessToken(expired);

      const withoutScope = await donations(narrow);
      const withExpired = await donations(expired);
      const anonymous = await client.get('/api/v1/alerts/donations');

      expect(withoutScope.status).toBe(403);
      expect(JSON.parse(withoutScope.text)).toEqual({ message: 'Invalid scope(s) provided.' });
      expect(withExpired.status).toBe(401);
      expect(JSON.parse(withExpired.text)).toEqual({ message: 'Unauthenticated.' });
      expect(anonymous.status).toBe(401);
      expect(da.donationCallsOf(501)).toBe(2);
      expect(da.calls.donations).toBe(3);
    });
  });

  describe('application rate limit', () => {
    it('admits 60 API calls of all users in any sliding minute, then 429s with Retry-After until a slot frees', async () => {
      const one = await accessToken(501);
      const two = await accessToken(502);
      const accepted = await inSequence(60, async (index) => {
        time = start + index * 250;
        return index % 2 === 0 ? donations(one) : userOauth(two);
      });
      const admittedTimes = Array.from({ length: 60 }, (_, index) => start + index * 250);

      time = start + 20_000;
      const over = await donations(two);
      time = start + 60_000 - 1;
      const justBefore = await donations(one);
      time = start + 60_000;
      const freed = await donations(one);
      const overAgain = await donations(one);

      expect(statuses(accepted)).toEqual(Array<number>(60).fill(200));
      expect(over.status).toBe(429);
      expect(JSON.parse(over.text)).toEqual({ message: 'Too Many Attempts.' });
      expect(over.headers.get('retry-after')).toBe('40');
      expect(justBefore.status).toBe(429);
      expect(justBefore.headers.get('retry-after')).toBe('1');
      expect(freed.status).toBe(200);
      expect(overAgain.status).toBe(429);
      expect(overAgain.headers.get('retry-after')).toBe('1');
      expect(da.rejectedForRate).toBe(3);
      expect(da.apiRequestTimes()).toEqual([...admittedTimes, start + 60_000]);
      expect(da.calls.userOauth).toBe(30);
      expect(da.donationCallTimesOf(502)).toEqual([start + 20_000]);
    });

    it('does not count OAuth calls, and follows appRateLimit and rateWindowMs when changed', async () => {
      da.appRateLimit = 2;
      da.rateWindowMs = 10_000;
      const token = await accessToken();
      await accessToken(502);

      const responses = await inSequence(3, () => donations(token));
      time += 10_000;
      const afterWindow = await donations(token);

      expect(statuses(responses)).toEqual([200, 200, 429]);
      expect(responses[2].headers.get('retry-after')).toBe('10');
      expect(afterWindow.status).toBe(200);
      expect(da.calls.authorizationCode).toBe(2);
    });

    it('counts requests refused by the token check, leaving a queued failure for an admitted one', async () => {
      da.appRateLimit = 1;
      const token = await accessToken();
      da.failNextDonations('server-error');

      const unauthenticated = await client.get('/api/v1/alerts/donations');
      const limited = await donations(token);
      time += 60_000;
      const failed = await donations(token);

      expect(statuses([unauthenticated, limited, failed])).toEqual([401, 429, 500]);
    });
  });

  describe('failNextDonations()', () => {
    it('answers 500 JSON the given number of times, then the page again', async () => {
      const token = await accessToken();
      da.failNextDonations('server-error', 2);

      const responses = await inSequence(3, () => donations(token));

      expect(statuses(responses)).toEqual([500, 500, 200]);
      expect(JSON.parse(responses[0].text)).toEqual({ message: 'Server Error' });
      expect(da.calls.donations).toBe(3);
    });

    it('answers 401 Unauthenticated once while the token itself keeps working', async () => {
      const token = await accessToken();
      da.failNextDonations('unauthorized');

      const responses = await inSequence(2, () => donations(token));

      expect(statuses(responses)).toEqual([401, 200]);
      expect(JSON.parse(responses[0].text)).toEqual({ message: 'Unauthenticated.' });
    });

    it('answers 200 with a body that is not JSON', async () => {
      const token = await accessToken();
      da.failNextDonations('garbage');

      const response = await donations(token);

      expect(response.status).toBe(200);
      expect(() => JSON.parse(response.text) as unknown).toThrow(SyntaxError);
    });

    it('answers 429 with Retry-After, 60 s unless told, outside the rate limit', async () => {
      const token = await accessToken();
      da.failNextDonations('rate-limited');
      da.failNextDonations('rate-limited', 1, { retryAfterSeconds: 7 });

      const responses = await inSequence(3, () => donations(token));

      expect(statuses(responses)).toEqual([429, 429, 200]);
      expect(JSON.parse(responses[0].text)).toEqual({ message: 'Too Many Attempts.' });
      expect(responses.map((response) => response.headers.get('retry-after'))).toEqual(['60', '7', null]);
      expect(da.rejectedForRate).toBe(0);
      expect(da.apiRequestTimes()).toHaveLength(3);
    });

    it('never answers a timed-out request: the client gives up, and the next request works', async () => {
      const token = await accessToken();
      da.failNextDonations('timeout');

      const [outcome, elapsed] = await elapsedMs(() =>
        fetch(`${da.baseUrl}/api/v1/alerts/donations`, {
          headers: { authorization: `Bearer ${token}` },
          signal: AbortSignal.timeout(200),
        }).then(
          (response) => `answered ${response.status}`,
          (error: unknown) => (error as Error).name,
        ),
      );
      const next = await donations(token);

      expect(outcome).toBe('TimeoutError');
      expect(elapsed).toBeGreaterThanOrEqual(190);
      expect(next.status).toBe(200);
    });

    it('closes promptly while a timed-out request is held open, cutting its connection', async () => {
      const token = await accessToken();
      da.failNextDonations('timeout');
      const pending = donations(token).then(
        () => 'answered',
        () => 'cut',
      );
      await waitFor(() => da.calls.donations === 1, { what: 'the donations request to arrive' });

      const [, elapsed] = await elapsedMs(() => da.close());

      expect(elapsed).toBeLessThan(1000);
      expect(await pending).toBe('cut');
    });

    it('uses queued failures in order, and one aimed at a user only on that user’s requests', async () => {
      const one = await accessToken(501);
      const two = await accessToken(502);
      da.failNextDonations('server-error', 1, { userId: 502 });
      da.failNextDonations('rate-limited', 1, { retryAfterSeconds: 3 });

      const first = await donations(one);
      const second = await donations(two);
      const third = await donations(one);

      expect(statuses([first, second, third])).toEqual([429, 500, 200]);
      expect(first.headers.get('retry-after')).toBe('3');
      expect(da.donationCallsOf(501)).toBe(2);
      expect(da.donationCallsOf(502)).toBe(1);
    });
  });

  it('waits latencyMs before answering API calls, but not OAuth ones', async () => {
    const token = await accessToken();
    da.latencyMs = 150;

    const [response, elapsed] = await elapsedMs(() => donations(token));
    const [, oauthElapsed] = await elapsedMs(() => accessToken(502));

    expect(response.status).toBe(200);
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(oauthElapsed).toBeLessThan(140);
  });
});

describe(WebClient.name, () => {
  let app: FakeHttpServer;
  let twitch: FakeTwitch;

  beforeEach(async () => {
    twitch = await FakeTwitch.start();
    twitch.addUser({ id: '7', login: 'viewer', display_name: 'Viewer' });
    app = new FakeHttpServer();
    app
      .get('/auth/twitch', () => ({
        status: 302,
        headers: {
          'set-cookie': ['oauth_hint=abc; Path=/auth; HttpOnly; SameSite=Lax', 'theme=dark; Path=/'],
          location: `${twitch.baseUrl}/oauth2/authorize?${new URLSearchParams({
            client_id: twitch.clientId,
            redirect_uri: `${app.baseUrl}/auth/twitch/callback`,
            response_type: 'code',
            scope: 'chat:read',
            state: 's1',
          }).toString()}`,
        },
      }))
      .get('/auth/twitch/callback', (request) =>
        request.headers.cookie?.includes('oauth_hint=abc')
          ? {
              status: 303,
              headers: { 'set-cookie': 'oauth_hint=; Path=/auth; Max-Age=0', location: '/dashboard' },
            }
          : jsonReply(400, { message: 'no hint cookie' }),
      )
      .get('/dashboard', (request) => ({ status: 200, text: `cookies: ${request.headers.cookie ?? ''}` }))
      .get('/loop', () => redirectReply('/loop'));
    await app.listen();
  });

  afterEach(async () => {
    await app.close();
    await twitch.close();
  });

  it('follows redirects across hosts, sending and deleting cookies per origin and path', async () => {
    const client = new WebClient(app.baseUrl);

    const response = await client.follow('/auth/twitch');

    expect(response.status).toBe(200);
    expect(response.url).toBe(`${app.baseUrl}/dashboard`);
    expect(response.text).toBe('cookies: theme=dark');
    expect(response.hops).toEqual([
      `${app.baseUrl}/auth/twitch`,
      expect.stringMatching(`^${twitch.baseUrl}/oauth2/authorize\\?`),
      expect.stringMatching(`^${app.baseUrl}/auth/twitch/callback\\?code=`),
      `${app.baseUrl}/dashboard`,
    ]);
    expect(client.cookie(app.baseUrl, 'oauth_hint')).toBeUndefined();
    expect(client.cookies(twitch.baseUrl)).toEqual([]);
  });

  it('records cookie attributes and forgets them on clearCookies()', async () => {
    const client = new WebClient(app.baseUrl);

    await client.get('/auth/twitch');

    expect(client.cookie(app.baseUrl, 'oauth_hint')).toEqual({
      name: 'oauth_hint',
      value: 'abc',
      path: '/auth',
      httpOnly: true,
      secure: false,
      sameSite: 'Lax',
    });
    expect((await client.get('/dashboard')).text).toBe('cookies: theme=dark');
    client.clearCookies();
    expect(client.cookie(app.baseUrl, 'theme')).toBeUndefined();
  });

  it('gives up after maxHops redirects', async () => {
    const client = new WebClient(app.baseUrl);

    await expect(client.follow('/loop', { maxHops: 3 })).rejects.toThrow('More than 3 redirects');
  });

  it('parses Expires, Secure and a default path', () => {
    const cookie = parseSetCookie(
      'sid=1=2; Expires=Wed, 21 Oct 2099 07:28:00 GMT; Secure',
      new URL('http://h/a/b'),
    );

    expect(cookie).toEqual({
      name: 'sid',
      value: '1=2',
      path: '/a',
      expires: new Date('2099-10-21T07:28:00Z'),
      httpOnly: false,
      secure: true,
    });
  });
});

describe(launchBrowser.name, () => {
  it('runs a real Chromium through an authorize redirect to the callback', async () => {
    const twitch = await FakeTwitch.start();
    twitch.addUser({ id: '9', login: 'browser_user', display_name: 'Browser_User' });
    const app = new FakeHttpServer().get('/callback', (request) => ({
      status: 200,
      headers: { 'content-type': 'text/html' },
      text: `<title>code ${request.params.code ?? 'none'}</title>`,
    }));
    await app.listen();
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.goto(
        `${twitch.baseUrl}/oauth2/authorize?${new URLSearchParams({
          client_id: twitch.clientId,
          redirect_uri: `${app.baseUrl}/callback`,
          response_type: 'code',
          scope: 'chat:read',
        }).toString()}`,
      );

      expect(await page.title()).toMatch(/^code [0-9a-f]{30}$/);
      expect(twitch.calls.authorize).toBe(1);
    } finally {
      await browser.close();
      await app.close();
      await twitch.close();
    }
  });

  it('fails naming the missing binary and how to install Chromium when there is none', async () => {
    await expect(launchBrowser({ executablePath: '/nonexistent/chromium' })).rejects.toThrow(
      "No Chromium at /nonexistent/chromium: install Debian's chromium package",
    );
  });
});
