export * from './database-lock.provider';
export * from './lease';
export * from './leader.service';
export * from './lock-keys';
export * from './lock-provider';
export * from './locks.module';
export * from './redis-lock.provider';
