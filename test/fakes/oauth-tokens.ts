import { randomBytes } from 'node:crypto';

/** Who approved what for which application. */
export interface OAuthGrant<TUserId> {
  userId: TUserId;
  clientId: string;
  scopes: string[];
}

export interface OAuthTokenPair {
  accessToken: string;
  refreshToken: string;
  /** Seconds the access token is valid for from now. */
  expiresIn: number;
  scopes: string[];
}

export interface AccessTokenInfo<TUserId> extends OAuthGrant<TUserId> {
  /** Seconds left, never below 0. */
  expiresIn: number;
}

interface PendingCode<TUserId> extends OAuthGrant<TUserId> {
  redirectUri: string;
}

interface AccessTokenRecord<TUserId> extends OAuthGrant<TUserId> {
  expiresAt: number;
  revoked: boolean;
}

export interface OAuthTokenStoreOptions {
  /** Read on every issue, so a fake can change it between tokens. */
  accessTokenTtlSeconds: () => number;
  /** Bytes of randomness in every code and token. */
  tokenBytes?: number;
}

/**
 * The authorization-server state both fakes share: single-use codes bound to client, redirect URI and user;
 * access tokens that expire or can be expired on demand; refresh tokens that rotate, so a refresh token
 * used twice (two instances refreshing at once) is rejected the second time.
 */
export class OAuthTokenStore<TUserId extends string | number> {
  private readonly codes = new Map<string, PendingCode<TUserId>>();
  private readonly accessTokens = new Map<string, AccessTokenRecord<TUserId>>();
  private readonly refreshTokens = new Map<string, OAuthGrant<TUserId>>();
  private readonly latest = new Map<TUserId, { accessToken: string; refreshToken: string }>();

  constructor(private readonly options: OAuthTokenStoreOptions) {}

  issueCode(grant: OAuthGrant<TUserId>, redirectUri: string): string {
    const code = this.newSecret();
    this.codes.set(code, { ...grant, scopes: [...grant.scopes], redirectUri });
    return code;
  }

  /** The grant behind `code` when client and redirect URI match; the code is spent by any attempt. */
  redeemCode(code: string, clientId: string, redirectUri: string): OAuthGrant<TUserId> | undefined {
    const pending = this.codes.get(code);
    this.codes.delete(code);
    if (!pending || pending.clientId !== clientId || pending.redirectUri !== redirectUri) {
      return undefined;
    }
    return { userId: pending.userId, clientId: pending.clientId, scopes: pending.scopes };
  }

  issueTokens(grant: OAuthGrant<TUserId>): OAuthTokenPair {
    const accessToken = this.newSecret();
    const refreshToken = this.newSecret();
    const expiresIn = this.options.accessTokenTtlSeconds();
    this.accessTokens.set(accessToken, {
      ...grant,
      scopes: [...grant.scopes],
      expiresAt: Date.now() + expiresIn * 1000,
      revoked: false,
    });
    this.refreshTokens.set(refreshToken, { ...grant, scopes: [...grant.scopes] });
    this.latest.set(grant.userId, { accessToken, refreshToken });
    return { accessToken, refreshToken, expiresIn, scopes: [...grant.scopes] };
  }

  /** A new pair for a live refresh token of `clientId`; the old refresh token stops working. */
  refresh(refreshToken: string, clientId: string): OAuthTokenPair | undefined {
    const grant = this.refreshTokens.get(refreshToken);
    if (!grant || grant.clientId !== clientId) {
      return undefined;
    }
    this.refreshTokens.delete(refreshToken);
    return this.issueTokens(grant);
  }

  /** The grant behind a live access token; undefined when unknown, expired or revoked. */
  accessToken(token: string): AccessTokenInfo<TUserId> | undefined {
    const record = this.accessTokens.get(token);
    if (!record || record.revoked || record.expiresAt <= Date.now()) {
      return undefined;
    }
    return {
      userId: record.userId,
      clientId: record.clientId,
      scopes: [...record.scopes],
      expiresIn: Math.max(0, Math.floor((record.expiresAt - Date.now()) / 1000)),
    };
  }

  /** The user an access token was issued to, whether or not it still works. */
  ownerOf(token: string): TUserId | undefined {
    return this.accessTokens.get(token)?.userId;
  }

  /** False when the token was never issued. */
  expireAccessToken(token: string): boolean {
    const record = this.accessTokens.get(token);
    if (record) {
      record.expiresAt = Date.now() - 1;
    }
    return record !== undefined;
  }

  expireAllAccessTokens(): void {
    for (const token of this.accessTokens.keys()) {
      this.expireAccessToken(token);
    }
  }

  /** False when the token was never issued. */
  revokeAccessToken(token: string): boolean {
    const record = this.accessTokens.get(token);
    if (record) {
      record.revoked = true;
    }
    return record !== undefined;
  }

  revokeRefreshTokens(userId: TUserId): void {
    for (const [token, grant] of this.refreshTokens) {
      if (grant.userId === userId) {
        this.refreshTokens.delete(token);
      }
    }
  }

  /** The pair most recently issued to the user, whether or not it still works. */
  tokensOf(userId: TUserId): { accessToken: string; refreshToken: string } | undefined {
    const pair = this.latest.get(userId);
    return pair && { ...pair };
  }

  /** Every access token ever issued, oldest first. */
  issuedAccessTokens(): string[] {
    return [...this.accessTokens.keys()];
  }

  private newSecret(): string {
    return randomBytes(this.options.tokenBytes ?? 15).toString('hex');
  }
}
