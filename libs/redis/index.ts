export * from './redis-connection';
export * from './redis.module';
export * from './redis-url';
export * from './redis-script';
export * from './redis-or-memory';
