export * from './bot-template';
export * from './bot-views.service';
export * from './bot-worker';
export * from './bots.events';
export * from './bots.module';
export * from './bots.service';
export * from './entities';
