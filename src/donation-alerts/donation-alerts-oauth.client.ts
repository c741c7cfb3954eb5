import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AllConfig, DonationAlertsConfig } from '../../config';
import { Clock } from '../../libs/clock';
import { OutboundHttpError, requestJson } from '../common/outbound/http-json';
import { RefreshRejectedError } from '../oauth/oauth-errors';
import type { TokenSet } from '../oauth/oauth-credentials.repository';
import type { TokenRefresher } from '../oauth/token-refresher';

export interface DonationAlertsUser {
  id: number;
  code: string;
  name: string;
  avatar?: string;
}

interface DonationAlertsTokenResponse {
  access_token: string;
  refresh_token?: string;
  expires_in?: number;
}

/** DonationAlerts' OAuth2 (authorization code) and the account behind a token. */
@Injectable()
export class DonationAlertsOAuthClient implements TokenRefresher {
  readonly provider = 'donationalerts' as const;
  private readonly settings: DonationAlertsConfig;

  constructor(
    config: ConfigService<AllConfig, true>,
    private readonly clock: Clock,
  ) {
    this.settings = config.get('donationAlerts', { infer: true });
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
      await requestJson<DonationAlertsTokenResponse>(`${this.settings.baseUrl}/oauth/token`, {
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
    try {
      return this.toTokenSet(
        await requestJson<DonationAlertsTokenResponse>(`${this.settings.baseUrl}/oauth/token`, {
          form: {
            grant_type: 'refresh_token',
            client_id: this.settings.clientId ?? '',
            client_secret: this.settings.clientSecret ?? '',
            refresh_token: refreshToken,
            scope: this.settings.scopes.join(' '),
          },
        }),
      );
    } catch (error) {
      if (error instanceof OutboundHttpError && (error.status === 400 || error.status === 401)) {
        throw new RefreshRejectedError('donationalerts', error.message);
      }
      throw error;
    }
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

  private toTokenSet(answer: DonationAlertsTokenResponse): TokenSet {
    return {
      accessToken: answer.access_token,
      refreshToken: answer.refresh_token ?? null,
      expiresAt: answer.expires_in ? this.clock.now() + answer.expires_in * 1000 : null,
      scopes: this.settings.scopes,
    };
  }
}
