export * from './alert-settings';
export * from './alert-settings.service';
export * from './alert-view';
export * from './alerts.events';
export * from './alerts.module';
export * from './entities';
export * from './tts';
