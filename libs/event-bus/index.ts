export * from './event-bus';
export * from './event-bus.module';
export * from './local-event-bus';
export * from './redis-event-bus';
