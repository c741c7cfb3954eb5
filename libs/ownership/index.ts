export * from './ownership.policy';
export * from './keyed-ownership';
export * from './ownership-store';
export * from './ownership.types';
export * from './redis-ownership-store';
