import type { OAuthProvider } from './entities/oauth-credential.entity';

/** The provider refused the refresh token (revoked, expired or already used). */
export class RefreshRejectedError extends Error {
  constructor(provider: OAuthProvider, detail: string) {
    super(`${provider} refused the refresh token: ${detail}`);
    this.name = 'RefreshRejectedError';
  }
}

/** The streamer must connect the provider again: there are no usable tokens left. */
export class ReauthRequiredError extends Error {
  constructor(
    readonly provider: OAuthProvider,
    readonly streamerId: string,
  ) {
    super(`Streamer ${streamerId} must reconnect ${provider}`);
    this.name = 'ReauthRequiredError';
  }
}

/** The streamer has no credential at this provider. */
export class NotConnectedError extends Error {
  constructor(
    readonly provider: OAuthProvider,
    readonly streamerId: string,
  ) {
    super(`Streamer ${streamerId} has not connected ${provider}`);
    this.name = 'NotConnectedError';
  }
}
