import { OutboundHttpError, requestJson } from '../common';
import type { OAuthProvider } from './entities/oauth-credential.entity';
import type { TokenSet } from './oauth-credentials.repository';
import { RefreshRejectedError } from './oauth-errors';

/** A provider's refresh-token grant. Rejections of the refresh token itself throw RefreshRejectedError. */
export interface TokenRefresher {
  readonly provider: OAuthProvider;
  refresh(refreshToken: string): Promise<TokenSet>;
}

/** The OAuth2 token endpoint's answer, as both Twitch and DonationAlerts give it. */
export interface OAuthTokenResponse {
  access_token: string;
  refresh_token?: string;
  expires_in?: number;
  scope?: string[];
}

export function tokenSetFrom(answer: OAuthTokenResponse, now: number, scopes = answer.scope): TokenSet {
  return {
    accessToken: answer.access_token,
    refreshToken: answer.refresh_token ?? null,
    expiresAt: answer.expires_in ? now + answer.expires_in * 1000 : null,
    scopes,
  };
}

/**
 * POSTs a refresh-token grant. A 400 or 401 means the refresh token itself is dead (RefreshRejectedError);
 * other failures are passed on, to be retried later.
 */
export async function requestRefreshGrant(
  provider: OAuthProvider,
  tokenUrl: string,
  form: Record<string, string>,
): Promise<OAuthTokenResponse> {
  try {
    return await requestJson<OAuthTokenResponse>(tokenUrl, {
      form: { grant_type: 'refresh_token', ...form },
    });
  } catch (error) {
    if (error instanceof OutboundHttpError && (error.status === 400 || error.status === 401)) {
      throw new RefreshRejectedError(provider, error.message);
    }
    throw error;
  }
}
