import type { CredentialStatus, OAuthProvider } from './entities/oauth-credential.entity';

/** Decrypted credentials, as services see them. */
export interface OAuthCredential {
  streamerId: string;
  provider: OAuthProvider;
  accountId: string;
  scopes: string[];
  accessToken: string;
  refreshToken: string | null;
  expiresAt: number | null;
  status: CredentialStatus;
  validatedAt: number | null;
  /** Version stamp for compare-and-set updates. */
  updatedAt: number;
}

export interface TokenSet {
  accessToken: string;
  refreshToken: string | null;
  /** Epoch ms, or null when the provider did not say. */
  expiresAt: number | null;
  scopes?: string[];
}

export interface NewCredential extends TokenSet {
  streamerId: string;
  provider: OAuthProvider;
  accountId: string;
  scopes: string[];
}

export abstract class OAuthCredentialsRepository {
  abstract find(streamerId: string, provider: OAuthProvider): Promise<OAuthCredential | null>;
  /** The streamer holding this provider account, if any. */
  abstract findOwner(provider: OAuthProvider, accountId: string): Promise<string | null>;
  /** Inserts or replaces the streamer's credential at this provider, active. */
  abstract save(credential: NewCredential): Promise<void>;
  /**
   * Stores refreshed tokens only if the row is still the version the caller read (`expectedUpdatedAt`);
   * false means somebody else changed it first.
   */
  abstract replaceTokens(
    streamerId: string,
    provider: OAuthProvider,
    tokens: TokenSet,
    expectedUpdatedAt: number,
  ): Promise<boolean>;
  abstract setStatus(streamerId: string, provider: OAuthProvider, status: CredentialStatus): Promise<void>;
  abstract markValidated(streamerId: string, provider: OAuthProvider, at: number): Promise<void>;
  abstract remove(streamerId: string, provider: OAuthProvider): Promise<void>;
  /** Streamer ids with an active credential at this provider. */
  abstract listActiveStreamerIds(provider: OAuthProvider): Promise<string[]>;
}
