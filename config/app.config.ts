import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min } from 'class-validator';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { defineNamespace } from './config-namespace';
import { emptyToUndefined, toInteger } from './env-parsing';

const NODE_ENVS = ['development', 'production', 'test'] as const;
const LOG_FORMATS = ['pretty', 'json'] as const;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export type NodeEnv = (typeof NODE_ENVS)[number];
export type LogLevel = (typeof LOG_LEVELS)[number];

export class AppEnv {
  @IsOptional() @Transform(emptyToUndefined) @IsIn(NODE_ENVS) NODE_ENV?: NodeEnv;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(0) @Max(65535) PORT?: number;
  @IsOptional() @Transform(emptyToUndefined) @IsString() HOST?: string;
  @IsOptional()
  @Transform(emptyToUndefined)
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  PUBLIC_URL?: string;
  @IsOptional() @Transform(emptyToUndefined) @IsIn(LOG_LEVELS) LOG_LEVEL?: LogLevel;
  @IsOptional() @Transform(emptyToUndefined) @IsIn(LOG_FORMATS) LOG_FORMAT?: (typeof LOG_FORMATS)[number];
  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^\d+(b|kb|mb)$/i, { message: 'BODY_LIMIT must look like 1mb, 512kb or 1048576b' })
  BODY_LIMIT?: string;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(100) SHUTDOWN_TIMEOUT_MS?: number;
  @IsOptional() @Transform(emptyToUndefined) @Matches(/^[A-Za-z0-9._:-]{1,64}$/) INSTANCE_ID?: string;
}

export interface AppConfig {
  nodeEnv: NodeEnv;
  port: number;
  host: string;
  publicUrl: string;
  logLevel: LogLevel;
  logFormat: 'pretty' | 'json';
  bodyLimit: string;
  shutdownTimeoutMs: number;
  /** Identifies this process among the instances sharing Redis and the database (lock holder, bot owner). */
  instanceId: string;
}

export const appNamespace = defineNamespace({
  key: 'app',
  env: AppEnv,
  build: (env): AppConfig => {
    const nodeEnv = env.NODE_ENV ?? 'development';
    const port = env.PORT ?? 3000;
    return {
      nodeEnv,
      port,
      host: env.HOST ?? '0.0.0.0',
      publicUrl: (env.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, ''),
      logLevel: env.LOG_LEVEL ?? (nodeEnv === 'test' ? 'warn' : 'info'),
      logFormat: env.LOG_FORMAT ?? (nodeEnv === 'development' ? 'pretty' : 'json'),
      bodyLimit: env.BODY_LIMIT ?? '1mb',
      shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS ?? 10_000,
      instanceId: env.INSTANCE_ID ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
    };
  },
});
