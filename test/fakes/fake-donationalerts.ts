import { randomBytes } from 'node:crypto';
import {
  donationChannel,
  FakeCentrifugo,
  type FakeCentrifugoOptions,
  type PublishOptions,
} from './fake-centrifugo';
import {
  credentialsOf,
  jsonReply,
  neverAnswer,
  redirectReply,
  type FakeReply,
  type FakeRequest,
} from './fake-http-server';
import { FakeOAuthProvider } from './fake-oauth-provider';
import { type AccessTokenInfo, type OAuthTokenPair } from './oauth-tokens';
import { SlidingWindowLog } from './sliding-window-log';

export interface FakeDonationAlertsOptions {
  clientId?: string;
  clientSecret?: string;
  /** Lifetime of every access token issued from now on (DonationAlerts hands out 20-year ones). */
  accessTokenTtlSeconds?: number;
  /** When set, authorize calls with another redirect_uri are refused. */
  redirectUris?: string[];
  /** See the properties of the same names. */
  appRateLimit?: number;
  rateWindowMs?: number;
  latencyMs?: number;
  clock?: () => number;
  now?: () => number;
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
  donations: number;
  centrifugeSubscribe: number;
}

export interface AddDonationOptions {
  /**
   * Also publish the donations to the user's subscribed Centrifugo sockets (default true); false plays a
   * donation made while the socket was down, found only by polling.
   */
  push?: boolean;
}

/** One entry of `POST /api/v1/centrifuge/subscribe`'s answer. */
export interface CentrifugeChannelToken {
  channel: string;
  token: string;
}

export type DonationAlertsCurrency = 'RUB' | 'USD' | 'EUR' | 'BYN' | 'KZT' | 'UAH' | 'BRL' | 'TRY';

/** A donation as `GET /api/v1/alerts/donations` returns it under `data`. */
export interface FakeDonation {
  /** Unique across all users, increasing with time. */
  id: number;
  name: 'donation';
  /** Null for an anonymous donor. */
  username: string | null;
  message_type: 'text' | 'audio';
  message: string;
  amount: number;
  currency: DonationAlertsCurrency;
  is_shown: 0 | 1;
  /** UTC without a zone: `YYYY-MM-DD HH:MM:SS`. */
  created_at: string;
  shown_at: string | null;
}

/** One page of `GET /api/v1/alerts/donations` (Laravel's paginated resource). */
export interface DonationAlertsDonationsPage {
  data: FakeDonation[];
  links: { first: string; last: string; prev: string | null; next: string | null };
  meta: {
    current_page: number;
    from: number | null;
    last_page: number;
    path: string;
    per_page: number;
    to: number | null;
    total: number;
  };
}

/**
 * What the next donations request gets instead of its page: `server-error` a 500, `unauthorized` a 401 (the
 * token keeps working), `timeout` no answer until the client gives up, `garbage` a 200 whose body is not
 * JSON, `rate-limited` a 429 with `Retry-After`.
 */
export type DonationFailure = 'server-error' | 'unauthorized' | 'timeout' | 'garbage' | 'rate-limited';

export interface DonationFailureOptions {
  /** `Retry-After` of a `rate-limited` answer (default 60). */
  retryAfterSeconds?: number;
  /** Only this user's donations requests consume the failure (default: anyone's). */
  userId?: number;
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
) => FakeReply | Promise<FakeReply>;

interface PendingFailure {
  kind: DonationFailure;
  retryAfterSeconds: number;
  userId?: number;
}

const TOKEN_PATH = '/oauth/token';
const USER_PATH = '/api/v1/user/oauth';
const DONATIONS_PATH = '/api/v1/alerts/donations';
const CENTRIFUGE_SUBSCRIBE_PATH = '/api/v1/centrifuge/subscribe';
export const DONATIONS_PER_PAGE = 30;
/** What a proxy in front of an unwell backend answers, labelled JSON all the same. */
const GARBAGE = '<html><body><h1>502 Bad Gateway</h1></body></html>';
const INVALID_GRANT =
  'The provided authorization grant (e.g., authorization code, resource owner credentials) or refresh token ' +
  'is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or ' +
  'was issued to another client.';

/** DonationAlerts' OAuth server (`/oauth/*`) and API (`/api/v1/*`, Laravel Passport style) on one server. */
export class FakeDonationAlerts extends FakeOAuthProvider<number, DonationAlertsUser> {
  readonly authorizeRequests: DonationAlertsAuthorizeRequest[] = [];
  /** Delay before every `/api/v1/*` answer, refusals included. */
  latencyMs: number;
  /**
   * DonationAlerts' limit per application: at most this many `/api/v1/*` requests (every user's together,
   * whatever their answer; `/oauth/*` not counted) in any sliding `rateWindowMs`, else 429.
   */
  appRateLimit: number;
  rateWindowMs: number;
  /** The time the application rate limit and the per-user call times are measured by. */
  clock: () => number;
  /** Stamps `created_at` on donations added without one; follows `clock` unless set. */
  now: () => number;

  private readonly rateWindow = new SlidingWindowLog();
  private rateRefusals = 0;
  /** Per user, newest first. */
  private readonly donations = new Map<number, FakeDonation[]>();
  private readonly donationIds = new Set<number>();
  private nextDonationId = 1;
  private readonly pendingFailures: PendingFailure[] = [];
  /** Per API path and user: the `clock` time of every request carrying one of the user's tokens. */
  private readonly callTimes = new Map<string, Map<number, number[]>>();
  /** `socket_connection_token`s rotated out by `rotateConnectionToken()` → their user. */
  private readonly expiredSocketTokens = new Map<string, number>();
  private realtime?: FakeCentrifugo;

  private constructor(options: FakeDonationAlertsOptions) {
    super({
      clientId: options.clientId ?? '1234',
      clientSecret: options.clientSecret ?? 'fake-donationalerts-client-secret',
      accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 631_152_000,
      redirectUris: options.redirectUris,
      tokenBytes: 32,
    });
    this.latencyMs = options.latencyMs ?? 0;
    this.appRateLimit = options.appRateLimit ?? 60;
    this.rateWindowMs = options.rateWindowMs ?? 60_000;
    this.clock = options.clock ?? (() => Date.now());
    this.now = options.now ?? (() => this.clock());
    this.http
      .get('/oauth/authorize', (request) => this.authorize(request))
      .post(TOKEN_PATH, (request) => this.token(request));
    this.api('GET', USER_PATH, 'oauth-user-show', (_caller, user) => jsonReply(200, { data: { ...user } }));
    this.api('GET', DONATIONS_PATH, 'oauth-donation-index', (_caller, user, request) =>
      this.donationsPage(user.id, request),
    );
    this.api('POST', CENTRIFUGE_SUBSCRIBE_PATH, 'oauth-donation-subscribe', (_caller, user, request) =>
      this.centrifugeSubscribe(user.id, request),
    );
  }

  static async start(options: FakeDonationAlertsOptions = {}): Promise<FakeDonationAlerts> {
    const fake = new FakeDonationAlerts(options);
    await fake.http.listen();
    return fake;
  }

  /**
   * Starts the realtime server (DonationAlerts' Centrifugo) sharing this fake's users and tokens: it accepts
   * their `socket_connection_token`s and the subscribe tokens `POST /api/v1/centrifuge/subscribe` issues, and
   * gets their donations pushed. Closed with this fake.
   */
  async startCentrifugo(options: FakeCentrifugoOptions = {}): Promise<FakeCentrifugo> {
    if (this.realtime) {
      throw new Error('FakeDonationAlerts already started its Centrifugo');
    }
    this.realtime = await FakeCentrifugo.start(
      {
        connectionTokenOwner: (token) => this.connectionTokenOwner(token),
        rotateConnectionToken: (userId) => this.rotateConnectionToken(userId),
      },
      options,
    );
    return this.realtime;
  }

  /** The server `startCentrifugo()` started. */
  get centrifugo(): FakeCentrifugo {
    if (!this.realtime) {
      throw new Error('FakeDonationAlerts has no Centrifugo: call startCentrifugo() first');
    }
    return this.realtime;
  }

  override async close(): Promise<void> {
    await Promise.all([super.close(), this.realtime?.close()]);
  }

  /** The user a `socket_connection_token` was issued to; `current` is false once it was rotated out. */
  connectionTokenOwner(token: string): { userId: number; current: boolean } | undefined {
    const current = [...this.users.values()].find((user) => user.socket_connection_token === token);
    if (current) {
      return { userId: current.id, current: true };
    }
    const userId = this.expiredSocketTokens.get(token);
    return userId === undefined ? undefined : { userId, current: false };
  }

  /** Gives the user a new `socket_connection_token`; the old one counts as expired. Returns the new one. */
  rotateConnectionToken(userId: number): string {
    const user = this.requireUser(userId);
    this.expiredSocketTokens.set(user.socket_connection_token, userId);
    user.socket_connection_token = randomBytes(48).toString('base64url');
    return user.socket_connection_token;
  }

  /** Request counts per endpoint (token calls split by grant type), including injected faults. */
  get calls(): DonationAlertsCalls {
    return {
      authorize: this.http.count('GET', '/oauth/authorize'),
      authorizationCode: this.http.count('POST', TOKEN_PATH, { grant_type: 'authorization_code' }),
      refreshToken: this.http.count('POST', TOKEN_PATH, { grant_type: 'refresh_token' }),
      userOauth: this.http.count('GET', USER_PATH),
      donations: this.http.count('GET', DONATIONS_PATH),
      centrifugeSubscribe: this.http.count('POST', CENTRIFUGE_SUBSCRIBE_PATH),
    };
  }

  /** API requests refused by the application rate limit so far. */
  get rejectedForRate(): number {
    return this.rateRefusals;
  }

  /** The `clock` time of every API request the application rate limit admitted, oldest first. */
  apiRequestTimes(): number[] {
    return this.rateWindow.times();
  }

  /** Donations requests carrying one of the user's tokens (live or not), whatever their answer. */
  donationCallsOf(userId: number): number {
    return this.donationCallTimesOf(userId).length;
  }

  /** The `clock` time of each request `donationCallsOf()` counts, oldest first. */
  donationCallTimesOf(userId: number): number[] {
    return [...(this.callTimes.get(DONATIONS_PATH)?.get(userId) ?? [])];
  }

  /** `POST /api/v1/centrifuge/subscribe` requests carrying one of the user's tokens, whatever their answer. */
  centrifugeSubscribeCallsOf(userId: number): number {
    return this.callTimes.get(CENTRIFUGE_SUBSCRIBE_PATH)?.get(userId)?.length ?? 0;
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

  /**
   * Stores donations to the user in the order given, oldest first. Omitted fields get defaults: the next id,
   * `created_at` from `now`, 100 RUB from `Donor <id>`, not shown yet. Unless `options.push` is false, they
   * are also published (in that order) to the user's subscribed Centrifugo sockets.
   */
  addDonations(
    userId: number,
    donations: Array<Partial<FakeDonation>>,
    options: AddDonationOptions = {},
  ): FakeDonation[] {
    this.requireUser(userId);
    const added = donations.map((partial) => this.newDonation(partial));
    const stored = [...(this.donations.get(userId) ?? []), ...added];
    this.donations.set(
      userId,
      stored.sort((newer, older) => older.id - newer.id),
    );
    if (options.push !== false) {
      this.realtime?.publish(
        userId,
        added.map((donation) => ({ ...donation })),
      );
    }
    return added.map((donation) => ({ ...donation }));
  }

  addDonation(
    userId: number,
    partial: Partial<FakeDonation> = {},
    options: AddDonationOptions = {},
  ): FakeDonation {
    return this.addDonations(userId, [partial], options)[0];
  }

  /**
   * Publishes a donation (defaults as `addDonations()`, a fresh id) to the user's subscribed sockets (or only
   * to `options.client`'s) without adding it to the REST list: one only the push saw.
   */
  push(userId: number, partial: Partial<FakeDonation> = {}, options: PublishOptions = {}): FakeDonation {
    this.requireUser(userId);
    const donation = this.newDonation(partial);
    this.realtime?.publish(userId, [{ ...donation }], options);
    return { ...donation };
  }

  /** The user's donations, newest first. */
  donationsOf(userId: number): FakeDonation[] {
    return (this.donations.get(userId) ?? []).map((donation) => ({ ...donation }));
  }

  /**
   * The next `times` donations requests (of `options.userId` only, when given) that pass the rate limit
   * and the token check get the failure instead of their page; failures queue up and are used in order.
   */
  failNextDonations(kind: DonationFailure, times = 1, options: DonationFailureOptions = {}): void {
    for (let left = times; left > 0; left -= 1) {
      this.pendingFailures.push({
        kind,
        retryAfterSeconds: options.retryAfterSeconds ?? 60,
        userId: options.userId,
      });
    }
  }

  /**
   * An API route behind the application rate limit, `latencyMs`, and `Authorization: Bearer <token>` with
   * `scope`: 429 over the limit, 401 without a live token, 403 without the scope, as Passport answers.
   */
  private api(method: 'GET' | 'POST', path: string, scope: string, handler: ApiHandler): void {
    this.http.route(method, path, async (request) => {
      const token = credentialsOf(request, ['Bearer']);
      this.recordCall(path, token);
      const refusal = this.admit();
      await this.http.sleep(this.latencyMs);
      return refusal ?? this.authorized(token, scope, request, handler);
    });
  }

  private authorized(
    token: string | undefined,
    scope: string,
    request: FakeRequest,
    handler: ApiHandler,
  ): FakeReply | Promise<FakeReply> {
    const caller = token === undefined ? undefined : this.tokens.accessToken(token);
    if (!caller) {
      return jsonReply(401, { message: 'Unauthenticated.' });
    }
    if (!caller.scopes.includes(scope)) {
      return jsonReply(403, { message: 'Invalid scope(s) provided.' });
    }
    return handler(caller, this.requireUser(caller.userId), request);
  }

  private recordCall(path: string, token: string | undefined): void {
    const userId = token === undefined ? undefined : this.tokens.ownerOf(token);
    if (userId === undefined) {
      return;
    }
    const byUser = this.callTimes.get(path) ?? new Map<number, number[]>();
    const times = byUser.get(userId) ?? [];
    times.push(this.clock());
    byUser.set(userId, times);
    this.callTimes.set(path, byUser);
  }

  /** Undefined when the application rate limit admits the request, else the 429 to answer. */
  private admit(): FakeReply | undefined {
    const admission = this.rateWindow.admit(this.clock(), this.appRateLimit, this.rateWindowMs);
    if (admission.accepted) {
      return undefined;
    }
    this.rateRefusals += 1;
    return tooManyAttempts(Math.ceil(admission.retryAfterMs / 1000));
  }

  private donationsPage(userId: number, request: FakeRequest): FakeReply | Promise<FakeReply> {
    const failure = this.takeFailure(userId);
    if (failure) {
      return failureReply(failure, request);
    }
    const page = pageNumber(request.params.page);
    return jsonReply(
      200,
      paginate(this.donations.get(userId) ?? [], page, `${this.baseUrl}${DONATIONS_PATH}`),
    );
  }

  /**
   * DonationAlerts documents only the success. The fake's refusals: a body that is not
   * `{"channels":[string…],"client":string}` → 422 as Laravel validation answers; a `client` that is not an
   * open, connected socket of the caller → 400; a channel other than the caller's `$alerts:donation_<id>` →
   * 403, as Laravel's authorization does. A refused request issues no tokens at all.
   */
  private centrifugeSubscribe(userId: number, request: FakeRequest): FakeReply {
    const body = parseJsonObject(request.body);
    const channels = body?.channels;
    const client = body?.client;
    const errors: Record<string, string[]> = {};
    if (
      !Array.isArray(channels) ||
      channels.length === 0 ||
      !channels.every((channel) => typeof channel === 'string')
    ) {
      errors.channels = ['The channels field is required.'];
    }
    if (typeof client !== 'string' || client === '') {
      errors.client = ['The client field is required.'];
    }
    if (Object.keys(errors).length > 0) {
      return jsonReply(422, { message: 'The given data was invalid.', errors });
    }
    if (this.realtime?.ownerOfClient(client as string) !== userId) {
      return jsonReply(400, { message: 'Invalid client.' });
    }
    const wanted = channels as string[];
    if (wanted.some((channel) => channel !== donationChannel(userId))) {
      return jsonReply(403, { message: 'This action is unauthorized.' });
    }
    const realtime = this.centrifugo;
    return jsonReply(200, {
      channels: wanted.map((channel): CentrifugeChannelToken => ({
        channel,
        token: realtime.issueSubscriptionToken(client as string, channel),
      })),
    });
  }

  private takeFailure(userId: number): PendingFailure | undefined {
    const index = this.pendingFailures.findIndex(
      (failure) => failure.userId === undefined || failure.userId === userId,
    );
    return index < 0 ? undefined : this.pendingFailures.splice(index, 1)[0];
  }

  private newDonation(partial: Partial<FakeDonation>): FakeDonation {
    const id = partial.id ?? this.nextDonationId;
    if (this.donationIds.has(id)) {
      throw new Error(`FakeDonationAlerts already has donation ${id}`);
    }
    this.donationIds.add(id);
    this.nextDonationId = Math.max(this.nextDonationId, id + 1);
    return {
      name: 'donation',
      username: `Donor ${id}`,
      message_type: 'text',
      message: `Donation ${id}`,
      amount: 100,
      currency: 'RUB',
      is_shown: 0,
      created_at: formatUtc(this.now()),
      shown_at: null,
      ...withoutUndefined(partial),
      id,
    };
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
    if (!this.redirectUriAllowed(redirectUri)) {
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

    const back = this.consentRedirect(
      redirectUri,
      scopes,
      params.state,
      'The resource owner or authorization server denied the request.',
    );
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
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function oauthError(error: string, message: string, hint?: string): Record<string, string> {
  return { error, error_description: message, ...(hint === undefined ? {} : { hint }), message };
}

function tooManyAttempts(retryAfterSeconds: number): FakeReply {
  return jsonReply(429, { message: 'Too Many Attempts.' }, { 'retry-after': String(retryAfterSeconds) });
}

function failureReply(failure: PendingFailure, request: FakeRequest): FakeReply | Promise<FakeReply> {
  switch (failure.kind) {
    case 'server-error':
      return jsonReply(500, { message: 'Server Error' });
    case 'unauthorized':
      return jsonReply(401, { message: 'Unauthenticated.' });
    case 'timeout':
      return neverAnswer(request);
    case 'garbage':
      return { status: 200, headers: { 'content-type': 'application/json' }, text: GARBAGE };
    case 'rate-limited':
      return tooManyAttempts(failure.retryAfterSeconds);
  }
}

/** Laravel's reading of `?page=`: anything but a whole number from 1 up means page 1. */
function pageNumber(raw: string | undefined): number {
  const page = Number(raw);
  return raw !== undefined && /^\d+$/.test(raw) && Number.isSafeInteger(page) && page >= 1 ? page : 1;
}

/** `newestFirst` sliced into page `page` of `DONATIONS_PER_PAGE`; a page past the last has no data. */
function paginate(newestFirst: FakeDonation[], page: number, path: string): DonationAlertsDonationsPage {
  const total = newestFirst.length;
  const lastPage = Math.max(1, Math.ceil(total / DONATIONS_PER_PAGE));
  const offset = (page - 1) * DONATIONS_PER_PAGE;
  const data = newestFirst.slice(offset, offset + DONATIONS_PER_PAGE).map((donation) => ({ ...donation }));
  const link = (number: number): string => `${path}?page=${number}`;
  return {
    data,
    links: {
      first: link(1),
      last: link(lastPage),
      prev: page > 1 ? link(page - 1) : null,
      next: page < lastPage ? link(page + 1) : null,
    },
    meta: {
      current_page: page,
      from: data.length > 0 ? offset + 1 : null,
      last_page: lastPage,
      path,
      per_page: DONATIONS_PER_PAGE,
      to: data.length > 0 ? offset + data.length : null,
      total,
    },
  };
}

/** `YYYY-MM-DD HH:MM:SS` in UTC, as DonationAlerts writes times (without saying they are UTC). */
function formatUtc(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 19).replace('T', ' ');
}

function withoutUndefined<T extends object>(partial: Partial<T>): Partial<T> {
  return Object.fromEntries(Object.entries(partial).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function tokenReply(pair: OAuthTokenPair): FakeReply {
  return jsonReply(200, {
    token_type: 'Bearer',
    expires_in: pair.expiresIn,
    access_token: pair.accessToken,
    refresh_token: pair.refreshToken,
  });
}
