export * from './entities';
export * from './oauth-credentials.repository';
export * from './oauth-errors';
export * from './oauth-token.service';
export * from './oauth.module';
export * from './token-refresher';
