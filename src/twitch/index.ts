export * from './twitch-api.client';
export * from './twitch.module';
