import type { FactoryProvider, InjectionToken } from '@nestjs/common';
import { RedisConnection } from './redis-connection';

type Injected<D extends unknown[]> = { [K in keyof D]: InjectionToken };

/**
 * Provides `token` from Redis when the process has a Redis connection and from memory in single-instance
 * mode. The mode is decided once, at start, so the choice is made once per provider.
 */
export function redisOrMemory<T, D extends unknown[] = []>(
  token: InjectionToken,
  choose: {
    redis: (redis: RedisConnection, ...deps: D) => T;
    memory: (...deps: D) => T;
    inject?: Injected<D>;
  },
): FactoryProvider<T> {
  return {
    provide: token,
    inject: [RedisConnection, ...(choose.inject ?? [])],
    useFactory: (redis: RedisConnection, ...deps: unknown[]) =>
      redis.client ? choose.redis(redis, ...(deps as D)) : choose.memory(...(deps as D)),
  };
}
