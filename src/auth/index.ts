export * from './auth-pages';
export * from './auth.module';
export * from './twitch-login.provider';
export * from './twitch-token-validator';
