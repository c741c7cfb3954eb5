import { Injectable } from '@nestjs/common';
import { InjectConfig, type DonationAlertsConfig } from '../../config';
import { Clock } from '../../libs/clock';
import { OutboundHttpError, requestJson } from '../common';
import type { TokenSet } from '../oauth';
import { requestRefreshGrant, tokenSetFrom, type OAuthTokenResponse, type TokenRefresher } from '../oauth';

export interface DonationAlertsUser {
  id: number;
  code: string;
  name: string;
  avatar?: string;
  /** Connects the user's Centrifugo socket (realtime push). */
  socket_connection_token?: string;
}

/** DonationAlerts' OAuth2 (authorization code) and the account behind a token. */
@Injectable()
export class DonationAlertsOAuthClient implements TokenRefresher {
  readonly provider = 'donationalerts' as const;
  private readonly settings: DonationAlertsConfig;

  constructor(
    @InjectConfig('donationAlerts') donationAlerts: DonationAlertsConfig,
    private readonly clock: Clock,
  ) {
    this.settings = donationAlerts;
  }

  get configured(): boolean {
    return Boolean(this.settings.clientId);
  }

  authorizeUrl(redirectUri: string, state: string): string {
    const url = new URL(`${this.settings.baseUrl}/oauth/authorize`);
    url.search = new URLSearchParams({
      client_id: this.settings.clientId ?? '',
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: this.settings.scopes.join(' '),
      state,
    }).toString();
    return url.toString();
  }

  async exchangeCode(code: string, redirectUri: string): Promise<TokenSet> {
    return this.toTokenSet(
      await requestJson<OAuthTokenResponse>(`${this.settings.baseUrl}/oauth/token`, {
        form: {
          grant_type: 'authorization_code',
          client_id: this.settings.clientId ?? '',
          client_secret: this.settings.clientSecret ?? '',
          redirect_uri: redirectUri,
          code,
        },
      }),
    );
  }

  async refresh(refreshToken: string): Promise<TokenSet> {
    const answer = await requestRefreshGrant('donationalerts', `${this.settings.baseUrl}/oauth/token`, {
      client_id: this.settings.clientId ?? '',
      client_secret: this.settings.clientSecret ?? '',
      refresh_token: refreshToken,
      scope: this.settings.scopes.join(' '),
    });
    return this.toTokenSet(answer);
  }

  async currentUser(accessToken: string): Promise<DonationAlertsUser> {
    const answer = await requestJson<{ data?: DonationAlertsUser }>(
      `${this.settings.baseUrl}/api/v1/user/oauth`,
      {
        headers: { authorization: `Bearer ${accessToken}` },
      },
    );
    if (!answer?.data?.id) {
      throw new OutboundHttpError('DonationAlerts returned no user for the token', 200, undefined);
    }
    return answer.data;
  }

  private toTokenSet(answer: OAuthTokenResponse): TokenSet {
    return tokenSetFrom(answer, this.clock.now(), this.settings.scopes);
  }
}
