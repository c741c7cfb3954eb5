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

  toTokenSet(answer: OAuthTokenResponse): TokenSet {
    return tokenSetFrom(answer, this.clock.now());
  }
}
