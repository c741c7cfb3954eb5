import { FakeHttpServer, type FakeReply, type RecordedRequest } from './fake-http-server';
import { OAuthTokenStore } from './oauth-tokens';

/**
 * What every fake OAuth provider shares: its HTTP server, its token store, and the knobs tests turn on them
 * (faults, expiring and revoking tokens, reading what was issued).
 */
export abstract class FakeOAuthProvider<TUserId extends string | number, TUser> {
  readonly clientId: string;
  readonly clientSecret: string;
  /** Delay before every token endpoint answer, so concurrent refreshes really overlap. */
  tokenLatencyMs = 0;
  accessTokenTtlSeconds: number;

  protected readonly http = new FakeHttpServer();
  protected readonly tokens: OAuthTokenStore<TUserId>;
  protected readonly redirectUris?: string[];
  protected readonly users = new Map<TUserId, TUser>();
  private nextConsent?: { deny: true } | { deny: false; userId: TUserId };

  protected constructor(settings: {
    clientId: string;
    clientSecret: string;
    accessTokenTtlSeconds: number;
    redirectUris?: string[];
    tokenBytes?: number;
  }) {
    this.clientId = settings.clientId;
    this.clientSecret = settings.clientSecret;
    this.accessTokenTtlSeconds = settings.accessTokenTtlSeconds;
    this.redirectUris = settings.redirectUris;
    this.tokens = new OAuthTokenStore<TUserId>({
      accessTokenTtlSeconds: () => this.accessTokenTtlSeconds,
      ...(settings.tokenBytes === undefined ? {} : { tokenBytes: settings.tokenBytes }),
    });
  }

  get baseUrl(): string {
    return this.http.baseUrl;
  }

  /** Every request received, oldest first. */
  get requests(): readonly RecordedRequest[] {
    return this.http.requests;
  }

  close(): Promise<void> {
    return this.http.close();
  }

  /** The next `times` requests to `method path` get `reply` instead (e.g. a 500 or a 429). */
  failNext(method: 'GET' | 'POST', path: string, reply: FakeReply, times = 1): void {
    this.http.failNext(method, path, reply, times);
  }

  /** Further use of the token answers 401; its refresh token keeps working. */
  expireAccessToken(token: string): void {
    if (!this.tokens.expireAccessToken(token)) {
      throw new Error(`${this.constructor.name} never issued access token ${token}`);
    }
  }

  expireAllAccessTokens(): void {
    this.tokens.expireAllAccessTokens();
  }

  /** Every refresh token of the user stops working (refresh → 400), as when they disconnect the app. */
  revokeRefreshTokens(userId: TUserId): void {
    this.tokens.revokeRefreshTokens(userId);
  }

  /** The pair most recently issued to the user (working or not), or undefined when none was. */
  tokensOf(userId: TUserId): { accessToken: string; refreshToken: string } | undefined {
    return this.tokens.tokensOf(userId);
  }

  /** Every access token ever issued, oldest first. */
  issuedAccessTokens(): string[] {
    return this.tokens.issuedAccessTokens();
  }

  /** The next authorize approves as this user (afterwards: the first added user again). */
  nextLoginAs(userId: TUserId): void {
    this.requireUser(userId);
    this.nextConsent = { deny: false, userId };
  }

  /** The next authorize redirects back with `error=access_denied`, as when the user clicks Cancel. */
  denyNextAuthorization(): void {
    this.nextConsent = { deny: true };
  }

  /**
   * Where the user's browser goes back to after the consent screen: with a code for the consenting user (the
   * one `nextLoginAs` named, else the first added), or `error=access_denied`, and the `state` echoed.
   */
  protected consentRedirect(
    redirectUri: string,
    scopes: string[],
    state: string | undefined,
    deniedDescription: string,
  ): URL {
    const consent = this.nextConsent ?? { deny: false, userId: this.defaultUserId() };
    this.nextConsent = undefined;
    const back = new URL(redirectUri);
    if (consent.deny) {
      back.searchParams.set('error', 'access_denied');
      back.searchParams.set('error_description', deniedDescription);
    } else {
      back.searchParams.set(
        'code',
        this.tokens.issueCode({ userId: consent.userId, clientId: this.clientId, scopes }, redirectUri),
      );
    }
    if (state !== undefined) {
      back.searchParams.set('state', state);
    }
    return back;
  }

  protected requireUser(userId: TUserId): TUser {
    const user = this.users.get(userId);
    if (!user) {
      throw new Error(`${this.constructor.name} has no user ${userId}`);
    }
    return user;
  }

  private defaultUserId(): TUserId {
    const first = this.users.keys().next();
    if (first.done) {
      throw new Error(`${this.constructor.name} has no users: call addUser() before authorizing`);
    }
    return first.value;
  }

  protected redirectUriAllowed(redirectUri: string): boolean {
    if (!URL.canParse(redirectUri)) {
      return false;
    }
    return this.redirectUris === undefined || this.redirectUris.includes(redirectUri);
  }
}
