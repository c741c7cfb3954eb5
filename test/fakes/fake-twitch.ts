import {
  credentialsOf,
  jsonReply,
  redirectReply,
  type FakeReply,
  type FakeRequest,
} from './fake-http-server';
import { type ChatAccount, type ChatAccounts } from './fake-twitch-chat';
import { FakeOAuthProvider } from './fake-oauth-provider';
import { type OAuthTokenPair } from './oauth-tokens';

export interface FakeTwitchOptions {
  clientId?: string;
  clientSecret?: string;
  /** Lifetime of every access token issued from now on (Twitch's are about 4 hours). */
  accessTokenTtlSeconds?: number;
  /** When set, authorize and token calls with another redirect_uri are refused, as Twitch does. */
  redirectUris?: string[];
}

export interface TwitchUserInput {
  id: string;
  login: string;
  display_name: string;
  profile_image_url?: string;
}

/** A user as Helix `GET /helix/users` returns it. */
export interface TwitchUser {
  id: string;
  login: string;
  display_name: string;
  type: string;
  broadcaster_type: string;
  description: string;
  profile_image_url: string;
  offline_image_url: string;
  view_count: number;
  created_at: string;
}

/** One `GET /oauth2/authorize` as the fake received it. */
export interface TwitchAuthorizeRequest {
  clientId: string;
  redirectUri: string;
  responseType: string;
  scopes: string[];
  state?: string;
  forceVerify: boolean;
}

export interface TwitchCalls {
  authorize: number;
  authorizationCode: number;
  refreshToken: number;
  validate: number;
  users: number;
  revoke: number;
}

const TOKEN_PATH = '/oauth2/token';
const HELIX_USERS_LIMIT = 100;

/**
 * Twitch's id host (`/oauth2/*`) and API host (`/helix/*`) on one local server: the app points both
 * TWITCH_AUTH_BASE_URL and TWITCH_API_BASE_URL at `baseUrl`.
 */
export class FakeTwitch extends FakeOAuthProvider<string, TwitchUser> implements ChatAccounts {
  readonly authorizeRequests: TwitchAuthorizeRequest[] = [];

  private constructor(options: FakeTwitchOptions) {
    super({
      clientId: options.clientId ?? 'fake-twitch-client-id',
      clientSecret: options.clientSecret ?? 'fake-twitch-client-secret',
      accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 14_400,
      redirectUris: options.redirectUris,
    });
    this.http
      .get('/oauth2/authorize', (request) => this.authorize(request))
      .post(TOKEN_PATH, (request) => this.token(request))
      .get('/oauth2/validate', (request) => this.validate(request))
      .post('/oauth2/revoke', (request) => this.revoke(request))
      .get('/helix/users', (request) => this.helixUsers(request));
  }

  static async start(options: FakeTwitchOptions = {}): Promise<FakeTwitch> {
    const fake = new FakeTwitch(options);
    await fake.http.listen();
    return fake;
  }

  /** Request counts per endpoint (token calls split by grant type), including injected faults. */
  get calls(): TwitchCalls {
    return {
      authorize: this.http.count('GET', '/oauth2/authorize'),
      authorizationCode: this.http.count('POST', TOKEN_PATH, { grant_type: 'authorization_code' }),
      refreshToken: this.http.count('POST', TOKEN_PATH, { grant_type: 'refresh_token' }),
      validate: this.http.count('GET', '/oauth2/validate'),
      users: this.http.count('GET', '/helix/users'),
      revoke: this.http.count('POST', '/oauth2/revoke'),
    };
  }

  addUser(input: TwitchUserInput): TwitchUser {
    const user: TwitchUser = {
      id: input.id,
      login: input.login,
      display_name: input.display_name,
      type: '',
      broadcaster_type: '',
      description: '',
      profile_image_url:
        input.profile_image_url ??
        `https://static-cdn.jtvnw.net/jtv_user_pictures/${input.id}-profile_image-300x300.png`,
      offline_image_url: '',
      view_count: 0,
      created_at: new Date().toISOString(),
    };
    this.users.set(user.id, user);
    return { ...user };
  }

  /** Who a live access token logs in to chat as (for `FakeTwitchChat`); undefined when it does not work. */
  chatAccountOf(token: string): ChatAccount | undefined {
    const info = this.tokens.accessToken(token);
    const user = info && this.users.get(info.userId);
    return (
      user && { userId: user.id, login: user.login, displayName: user.display_name, scopes: info.scopes }
    );
  }

  private authorize(request: FakeRequest): FakeReply {
    const { params } = request;
    if (params.client_id !== this.clientId) {
      return jsonReply(400, { status: 400, message: 'invalid client' });
    }
    if (params.response_type !== 'code') {
      return jsonReply(400, { status: 400, message: 'unsupported response_type' });
    }
    const redirectUri = params.redirect_uri ?? '';
    if (!this.redirectUriAllowed(redirectUri)) {
      return jsonReply(400, { status: 400, message: 'redirect_mismatch' });
    }
    const scopes = splitScopes(params.scope);
    this.authorizeRequests.push({
      clientId: params.client_id,
      redirectUri,
      responseType: params.response_type,
      scopes,
      state: params.state,
      forceVerify: params.force_verify === 'true',
    });

    const back = this.consentRedirect(redirectUri, scopes, params.state, 'The user denied you access');
    if (back.searchParams.has('code')) {
      back.searchParams.set('scope', scopes.join(' '));
    }
    return redirectReply(back.toString());
  }

  private async token(request: FakeRequest): Promise<FakeReply> {
    await this.http.sleep(this.tokenLatencyMs);
    const { params } = request;
    if (params.client_id !== this.clientId || params.client_secret !== this.clientSecret) {
      return jsonReply(403, { status: 403, message: 'invalid client secret' });
    }
    switch (params.grant_type) {
      case 'authorization_code': {
        const grant = this.tokens.redeemCode(params.code ?? '', params.client_id, params.redirect_uri ?? '');
        return grant
          ? tokenReply(this.tokens.issueTokens(grant))
          : jsonReply(400, { status: 400, message: 'Invalid authorization code' });
      }
      case 'refresh_token': {
        const pair = this.tokens.refresh(params.refresh_token ?? '', params.client_id);
        return pair ? tokenReply(pair) : jsonReply(400, { status: 400, message: 'Invalid refresh token' });
      }
      default:
        return jsonReply(400, { status: 400, message: 'Invalid grant type' });
    }
  }

  private validate(request: FakeRequest): FakeReply {
    const token = credentialsOf(request, ['OAuth', 'Bearer']);
    if (token === undefined) {
      return jsonReply(401, { status: 401, message: 'missing authorization token' });
    }
    const info = this.tokens.accessToken(token);
    if (!info) {
      return jsonReply(401, { status: 401, message: 'invalid access token' });
    }
    return jsonReply(200, {
      client_id: info.clientId,
      login: this.requireUser(info.userId).login,
      scopes: info.scopes,
      user_id: info.userId,
      expires_in: info.expiresIn,
    });
  }

  private revoke(request: FakeRequest): FakeReply {
    const { params } = request;
    if (params.client_id !== this.clientId) {
      return jsonReply(400, { status: 400, message: 'invalid client' });
    }
    return this.tokens.revokeAccessToken(params.token ?? '')
      ? { status: 200 }
      : jsonReply(400, { status: 400, message: 'Invalid token' });
  }

  /**
   * The token's own user, or those named by the `id` and `login` query parameters (each may repeat, up to 100 in
   * all, as on Helix); unknown ones are left out of the answer.
   */
  private helixUsers(request: FakeRequest): FakeReply {
    const token = credentialsOf(request, ['Bearer']);
    const info = token === undefined ? undefined : this.tokens.accessToken(token);
    if (!info) {
      return jsonReply(401, { error: 'Unauthorized', status: 401, message: 'Invalid OAuth token' });
    }
    if (request.headers['client-id'] !== info.clientId) {
      return jsonReply(401, {
        error: 'Unauthorized',
        status: 401,
        message: 'Client ID and OAuth token do not match',
      });
    }
    const ids = request.url.searchParams.getAll('id');
    const logins = request.url.searchParams.getAll('login').map((login) => login.toLowerCase());
    if (ids.length + logins.length > HELIX_USERS_LIMIT) {
      return jsonReply(400, {
        error: 'Bad Request',
        status: 400,
        message: `The sum of the number of id and login parameters must be at most ${HELIX_USERS_LIMIT}`,
      });
    }
    const wanted =
      ids.length === 0 && logins.length === 0
        ? [this.requireUser(info.userId)]
        : [...this.users.values()].filter((user) => ids.includes(user.id) || logins.includes(user.login));
    return jsonReply(200, { data: wanted.map((user) => ({ ...user })) });
  }
}

function splitScopes(scope: string | undefined): string[] {
  return (scope ?? '').split(' ').filter((name) => name !== '');
}

function tokenReply(pair: OAuthTokenPair): FakeReply {
  return jsonReply(200, {
    access_token: pair.accessToken,
    refresh_token: pair.refreshToken,
    expires_in: pair.expiresIn,
    scope: pair.scopes,
    token_type: 'bearer',
  });
}
