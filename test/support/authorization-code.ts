import type { FakeOAuthProvider } from '../fakes/fake-oauth-provider';

/** Where a fake provider's authorization code flow lives (DonationAlerts: `/oauth/*`, Twitch: `/oauth2/*`). */
export interface AuthorizationCodeFlow<TUserId extends string | number> {
  authorizePath: string;
  tokenPath: string;
  userId: TUserId;
  scopes: string[];
}

export interface MintedTokens {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

/**
 * An access and refresh token for `userId`, obtained from the fake as the app would obtain them: consent at the
 * authorize endpoint (approved as `userId`), then the code exchanged at the token endpoint.
 */
export async function mintTokensByCode<TUserId extends string | number>(
  provider: FakeOAuthProvider<TUserId, unknown>,
  { authorizePath, tokenPath, userId, scopes }: AuthorizationCodeFlow<TUserId>,
): Promise<MintedTokens> {
  const redirectUri = 'http://127.0.0.1/oauth-test-callback';
  provider.nextLoginAs(userId);
  const authorize = new URL(`${provider.baseUrl}${authorizePath}`);
  authorize.search = new URLSearchParams({
    client_id: provider.clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: scopes.join(' '),
  }).toString();
  const consent = await fetch(authorize, { redirect: 'manual' });
  const code = new URL(consent.headers.get('location') ?? '').searchParams.get('code');
  if (consent.status !== 302 || !code) {
    throw new Error(`${provider.constructor.name} did not issue a code (${consent.status})`);
  }
  const answer = await fetch(`${provider.baseUrl}${tokenPath}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: provider.clientId,
      client_secret: provider.clientSecret,
      redirect_uri: redirectUri,
      code,
    }).toString(),
  });
  const tokens = (await answer.json()) as { access_token: string; refresh_token: string; expires_in: number };
  return {
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token,
    expiresIn: tokens.expires_in,
  };
}
