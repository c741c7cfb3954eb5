import { randomBytes } from 'node:crypto';
import {
  credentialsOf,
  FakeHttpServer,
  jsonReply,
  redirectReply,
  type FakeReply,
  type FakeRequest,
  type RecordedRequest,
} from './fake-http-server';
import { OAuthTokenStore, type AccessTokenInfo, type OAuthTokenPair } from './oauth-tokens';

export interface FakeDonationAlertsOptions {
  clientId?: string;
  clientSecret?: string;
  /** Lifetime of every access token issued from now on (DonationAlerts hands out 20-year ones). */
  accessTokenTtlSeconds?: number;
  /** When set, authorize calls with another redirect_uri are refused. */
  redirectUris?: string[];
}

export interface DonationAlertsUserInput {
  id: number;
  code: string;
  name: string;
  avatar?: string;
  email?: string | null;
}

/** A user as `GET /api/v1/user/oauth` returns it under `data`. */
export interface DonationAlertsUser {
  id: number;
  code: string;
  name: string;
  avatar: string;
  email: string | null;
  socket_connection_token: string;
}

/** One `GET /oauth/authorize` as the fake received it. */
export interface DonationAlertsAuthorizeRequest {
  clientId: string;
  redirectUri: string;
  responseType: string;
  scopes: string[];
  state?: string;
}

export interface DonationAlertsCalls {
  authorize: number;
  authorizationCode: number;
  refreshToken: number;
  userOauth: number;
}

export const DONATION_ALERTS_SCOPES = [
  'oauth-user-show',
  'oauth-donation-subscribe',
  'oauth-donation-index',
  'oauth-custom_alert-store',
  'oauth-goal-subscribe',
  'oauth-poll-subscribe',
] as const;

type ApiHandler = (
  caller: AccessTokenInfo<number>,
  user: DonationAlertsUser,
  request: FakeRequest,
) => FakeReply;

const TOKEN_PATH = '/oauth/token';
const INVALID_GRANT =
  'The provided authorization grant (e.g., authorization code, resource owner credentials) or refresh token ' +
  'is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or ' +
  'was issued to another client.';

/** DonationAlerts' OAuth server (`/oauth/*`) and API (`/api/v1/*`, Laravel Passport style) on one server. */
export class FakeDonationAlerts {
  readonly clientId: string;
  readonly clientSecret: string;
  /** Delay before every `POST /oauth/token` answer, so concurrent refreshes really overlap. */
  tokenLatencyMs = 0;
  accessTokenTtlSeconds: number;
  readonly authorizeRequests: DonationAlertsAuthorizeRequest[] = [];

  private readonly http = new FakeHttpServer();
  private readonly tokens = new OAuthTokenStore<number>({
    accessTokenTtlSeconds: () => this.accessTokenTtlSeconds,
    tokenBytes: 32,
  });
  private readonly users = new Map<number, DonationAlertsUser>();
  private readonly redirectUris?: string[];
  private nextConsent?: { deny: true } | { deny: false; userId: number };

  private constructor(options: FakeDonationAlertsOptions) {
    this.clientId = options.clientId ?? '1234';
    this.clientSecret = options.clientSecret ?? 'fake-donationalerts-client-secret';
    this.accessTokenTtlSeconds = options.accessTokenTtlSeconds ?? 631_152_000;
    this.redirectUris = options.redirectUris;
    this.http
      .get('/oauth/authorize', (request) => this.authorize(request))
      .post(TOKEN_PATH, (request) => this.token(request));
    this.api('GET', '/api/v1/user/oauth', 'oauth-user-show', (_caller, user) =>
      jsonReply(200, { data: { ...user } }),
    );
  }

  static async start(options: FakeDonationAlertsOptions = {}): Promise<FakeDonationAlerts> {
    const fake = new FakeDonationAlerts(options);
    await fake.http.listen();
    return fake;
  }

  get baseUrl(): string {
    return this.http.baseUrl;
  }

  /** Request counts per endpoint (token calls split by grant type), including injected faults. */
  get calls(): DonationAlertsCalls {
    return {
      authorize: this.http.count('GET', '/oauth/authorize'),
      authorizationCode: this.http.count('POST', TOKEN_PATH, { grant_type: 'authorization_code' }),
      refreshToken: this.http.count('POST', TOKEN_PATH, { grant_type: 'refresh_token' }),
      userOauth: this.http.count('GET', '/api/v1/user/oauth'),
    };
  }

  /** Every request received, oldest first. */
  get requests(): readonly RecordedRequest[] {
    return this.http.requests;
  }

  close(): Promise<void> {
    return this.http.close();
  }

  addUser(input: DonationAlertsUserInput): DonationAlertsUser {
    const user: DonationAlertsUser = {
      id: input.id,
      code: input.code,
      name: input.name,
      avatar: input.avatar ?? `https://static.donationalerts.ru/uploads/avatars/${input.id}.png`,
      email: input.email === undefined ? `${input.code}@example.com` : input.email,
      socket_connection_token: randomBytes(48).toString('base64url'),
    };
    this.users.set(user.id, user);
    return { ...user };
  }

  /** The next authorize approves as this user (afterwards: the first added user again). */
  nextLoginAs(userId: number): void {
    this.requireUser(userId);
    this.nextConsent = { deny: false, userId };
  }

  /** The next authorize redirects back with `error=access_denied`. */
  denyNextAuthorization(): void {
    this.nextConsent = { deny: true };
  }

  /** The next `times` requests to `method path` get `reply` instead (e.g. a 500 or a 429). */
  failNext(method: 'GET' | 'POST', path: string, reply: FakeReply, times = 1): void {
    this.http.failNext(method, path, reply, times);
  }

  /** Further use of the token answers 401; its refresh token keeps working. */
  expireAccessToken(token: string): void {
    if (!this.tokens.expireAccessToken(token)) {
      throw new Error(`FakeDonationAlerts never issued access token ${token}`);
    }
  }

  expireAllAccessTokens(): void {
    this.tokens.expireAllAccessTokens();
  }

  /** Every refresh token of the user stops working (refresh → 400 invalid_grant). */
  revokeRefreshTokens(userId: number): void {
    this.tokens.revokeRefreshTokens(userId);
  }

  /** The pair most recently issued to the user (working or not), or undefined when none was. */
  tokensOf(userId: number): { accessToken: string; refreshToken: string } | undefined {
    return this.tokens.tokensOf(userId);
  }

  /** Every access token ever issued, oldest first. */
  issuedAccessTokens(): string[] {
    return this.tokens.issuedAccessTokens();
  }

  /**
   * An API route behind `Authorization: Bearer <token>` that needs `scope`: 401 without a live token, 403
   * without the scope, as Passport answers.
   */
  private api(method: 'GET' | 'POST', path: string, scope: string, handler: ApiHandler): void {
    this.http.route(method, path, (request) => {
      const token = credentialsOf(request, ['Bearer']);
      const caller = token === undefined ? undefined : this.tokens.accessToken(token);
      if (!caller) {
        return jsonReply(401, { message: 'Unauthenticated.' });
      }
      if (!caller.scopes.includes(scope)) {
        return jsonReply(403, { message: 'Invalid scope(s) provided.' });
      }
      return handler(caller, this.requireUser(caller.userId), request);
    });
  }

  private authorize(request: FakeRequest): FakeReply {
    const { params } = request;
    if (params.client_id !== this.clientId) {
      return jsonReply(401, oauthError('invalid_client', 'Client authentication failed'));
    }
    if (params.response_type !== 'code') {
      return jsonReply(
        400,
        oauthError(
          'unsupported_response_type',
          'The authorization server does not support this response type.',
        ),
      );
    }
    const redirectUri = params.redirect_uri ?? '';
    if (!URL.canParse(redirectUri) || (this.redirectUris && !this.redirectUris.includes(redirectUri))) {
      return jsonReply(401, oauthError('invalid_client', 'Client authentication failed'));
    }
    const scopes = (params.scope ?? '').split(' ').filter((name) => name !== '');
    const unknown = scopes.filter((name) => !(DONATION_ALERTS_SCOPES as readonly string[]).includes(name));
    if (unknown.length > 0) {
      return jsonReply(
        400,
        oauthError('invalid_scope', `The requested scope is invalid: ${unknown.join(' ')}`),
      );
    }
    this.authorizeRequests.push({
      clientId: params.client_id,
      redirectUri,
      responseType: params.response_type,
      scopes,
      state: params.state,
    });

    const consent = this.nextConsent ?? { deny: false, userId: this.defaultUserId() };
    this.nextConsent = undefined;
    const back = new URL(redirectUri);
    if (consent.deny) {
      back.searchParams.set('error', 'access_denied');
      back.searchParams.set(
        'error_description',
        'The resource owner or authorization server denied the request.',
      );
    } else {
      back.searchParams.set(
        'code',
        this.tokens.issueCode({ userId: consent.userId, clientId: this.clientId, scopes }, redirectUri),
      );
    }
    if (params.state !== undefined) {
      back.searchParams.set('state', params.state);
    }
    return redirectReply(back.toString());
  }

  /** A `scope` on refresh is accepted and ignored: the new tokens keep the scopes first granted. */
  private async token(request: FakeRequest): Promise<FakeReply> {
    await this.http.sleep(this.tokenLatencyMs);
    const { params } = request;
    if (params.client_id !== this.clientId || params.client_secret !== this.clientSecret) {
      return jsonReply(401, oauthError('invalid_client', 'Client authentication failed'));
    }
    switch (params.grant_type) {
      case 'authorization_code': {
        const grant = this.tokens.redeemCode(params.code ?? '', params.client_id, params.redirect_uri ?? '');
        return grant
          ? tokenReply(this.tokens.issueTokens(grant))
          : jsonReply(400, oauthError('invalid_grant', INVALID_GRANT, 'Authorization code has been revoked'));
      }
      case 'refresh_token': {
        const pair = this.tokens.refresh(params.refresh_token ?? '', params.client_id);
        return pair
          ? tokenReply(pair)
          : jsonReply(400, oauthError('invalid_grant', INVALID_GRANT, 'Token has been revoked'));
      }
      default:
        return jsonReply(
          400,
          oauthError(
            'unsupported_grant_type',
            'The authorization grant type is not supported by the authorization server.',
          ),
        );
    }
  }

  private defaultUserId(): number {
    const first = this.users.keys().next();
    if (first.done) {
      throw new Error('FakeDonationAlerts has no users: call addUser() before authorizing');
    }
    return first.value;
  }

  private requireUser(userId: number): DonationAlertsUser {
    const user = this.users.get(userId);
    if (!user) {
      throw new Error(`FakeDonationAlerts has no user ${userId}`);
    }
    return user;
  }
}

function oauthError(error: string, message: string, hint?: string): Record<string, string> {
  return { error, error_description: message, ...(hint === undefined ? {} : { hint }), message };
}

function tokenReply(pair: OAuthTokenPair): FakeReply {
  return jsonReply(200, {
    token_type: 'Bearer',
    expires_in: pair.expiresIn,
    access_token: pair.accessToken,
    refresh_token: pair.refreshToken,
  });
}
