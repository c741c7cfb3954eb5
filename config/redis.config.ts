import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, Matches, Min } from 'class-validator';
import type { RedisConnectionOptions } from '../libs/redis';
import { defineNamespace } from './config-namespace';
import { emptyToUndefined, toBoolean, toInteger } from './env-parsing';

export class RedisEnv {
  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^rediss?:\/\/.+/, { message: 'REDIS_URL must look like redis://[:password@]host:port[/db]' })
  REDIS_URL?: string;
  @IsOptional() @Transform(toBoolean) @IsBoolean() REDIS_REQUIRED?: boolean;
  @IsOptional() @Transform(toBoolean) @IsBoolean() REDIS_TLS?: boolean;
  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^[A-Za-z0-9:_.-]{1,64}$/, { message: 'REDIS_KEY_PREFIX must be 1-64 letters, digits or : _ . -' })
  REDIS_KEY_PREFIX?: string;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(100) REDIS_CONNECT_TIMEOUT_MS?: number;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(100) REDIS_COMMAND_TIMEOUT_MS?: number;
}

/** Exactly what the Redis connection takes. */
export type RedisConfig = RedisConnectionOptions;

export const redisNamespace = defineNamespace({
  key: 'redis',
  env: RedisEnv,
  build: (env): RedisConfig => ({
    url: env.REDIS_URL,
    required: env.REDIS_REQUIRED ?? false,
    tls: env.REDIS_TLS ?? env.REDIS_URL?.startsWith('rediss://') ?? false,
    keyPrefix: env.REDIS_KEY_PREFIX ?? 'dta:',
    connectTimeoutMs: env.REDIS_CONNECT_TIMEOUT_MS ?? 5000,
    commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS ?? 5000,
  }),
});
