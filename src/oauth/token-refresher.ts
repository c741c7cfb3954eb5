import type { OAuthProvider } from './entities/oauth-credential.entity';
import type { TokenSet } from './oauth-credentials.repository';

/** A provider's refresh-token grant. Rejections of the refresh token itself throw RefreshRejectedError. */
export interface TokenRefresher {
  readonly provider: OAuthProvider;
  refresh(refreshToken: string): Promise<TokenSet>;
}
