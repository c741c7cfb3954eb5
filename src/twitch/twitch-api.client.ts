import { Injectable } from '@nestjs/common';
import { InjectConfig, type TwitchConfig } from '../../config';
import { Clock } from '../../libs/clock';
import { OutboundHttpError, requestJson } from '../common';
import type { TokenSet } from '../oauth';
import { requestRefreshGrant, tokenSetFrom, type OAuthTokenResponse, type TokenRefresher } from '../oauth';

export interface TwitchUser {
  id: string;
  login: string;
  display_name: string;
  profile_image_url?: string;
}

/** Helix's limit on `id` parameters of one `GET /helix/users`. */
export const HELIX_USERS_PER_REQUEST = 100;

export interface TwitchTokenInfo {
  client_id: string;
  login: string;
  user_id: string;
  scopes: string[] | null;
  expires_in: number;
}

/** Twitch's id host (token refresh and validation) and Helix, at the configured base URLs. */
@Injectable()
export class TwitchApiClient implements TokenRefresher {
  readonly provider = 'twitch' as const;
  private readonly settings: TwitchConfig;

  constructor(
    @InjectConfig('twitch') twitch: TwitchConfig,
    private readonly clock: Clock,
  ) {
    this.settings = twitch;
  }

  async refresh(refreshToken: string): Promise<TokenSet> {
    const answer = await requestRefreshGrant('twitch', `${this.settings.authBaseUrl}/oauth2/token`, {
      refresh_token: refreshToken,
      client_id: this.settings.clientId ?? '',
      client_secret: this.settings.clientSecret ?? '',
    });
    return this.toTokenSet(answer);
  }

  /** GET /oauth2/validate; a rejected token surfaces as OutboundHttpError with status 401. */
  validate(accessToken: string): Promise<TwitchTokenInfo> {
    return requestJson<TwitchTokenInfo>(`${this.settings.authBaseUrl}/oauth2/validate`, {
      headers: { authorization: `OAuth ${accessToken}` },
    });
  }

  async currentUser(accessToken: string): Promise<TwitchUser> {
    const answer = await requestJson<{ data?: TwitchUser[] }>(`${this.settings.apiBaseUrl}/helix/users`, {
      headers: { authorization: `Bearer ${accessToken}`, 'client-id': this.settings.clientId ?? '' },
    });
    const user = answer?.data?.[0];
    if (!user?.id) {
      throw new OutboundHttpError('Twitch returned no user for the token', 200, undefined);
    }
    return user;
  }

  /**
   * Helix `GET /helix/users?id=…&id=…` for at most `HELIX_USERS_PER_REQUEST` ids: the users Twitch knows
   * (deleted and banned accounts are left out of the answer, in no promised order).
   */
  async users(ids: readonly string[], accessToken: string): Promise<TwitchUser[]> {
    if (ids.length === 0) {
      return [];
    }
    if (ids.length > HELIX_USERS_PER_REQUEST) {
      throw new RangeError(
        `Helix takes at most ${HELIX_USERS_PER_REQUEST} user ids a request, not ${ids.length}`,
      );
    }
    const query = new URLSearchParams(ids.map((id): [string, string] => ['id', id]));
    const answer = await requestJson<{ data?: TwitchUser[] }>(
      `${this.settings.apiBaseUrl}/helix/users?${query.toString()}`,
      {
        headers: { authorization: `Bearer ${accessToken}`, 'client-id': this.settings.clientId ?? '' },
      },
    );
    return (answer?.data ?? []).filter((user) => typeof user?.id === 'string');
  }

  toTokenSet(answer: OAuthTokenResponse): TokenSet {
    return tokenSetFrom(answer, this.clock.now());
  }
}
