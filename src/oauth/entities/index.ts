import { OAuthCredentialEntity } from './oauth-credential.entity';

export * from './oauth-credential.entity';
export const OAUTH_ENTITIES = [OAuthCredentialEntity];
