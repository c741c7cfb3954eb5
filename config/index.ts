import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import type { ConfigNamespace, Environment } from './config-namespace';
import { adminNamespace, type AdminConfig } from './admin.config';
import { appNamespace, type AppConfig } from './app.config';
import { databaseNamespace, type DatabaseConfig } from './database.config';
import { leaderNamespace, type LeaderConfig } from './leader.config';
import { redisNamespace, type RedisConfig } from './redis.config';

export type { Environment } from './config-namespace';
export type { AdminConfig, AppConfig, DatabaseConfig, LeaderConfig, RedisConfig };

export interface AllConfig {
  app: AppConfig;
  database: DatabaseConfig;
  redis: RedisConfig;
  leader: LeaderConfig;
  admin: AdminConfig;
}

type AnyNamespace = ConfigNamespace<keyof AllConfig, object, AllConfig[keyof AllConfig]>;

export const CONFIG_NAMESPACES: readonly AnyNamespace[] = [
  appNamespace,
  databaseNamespace,
  redisNamespace,
  leaderNamespace,
  adminNamespace,
] as AnyNamespace[];

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `Invalid configuration (${problems.length} problem(s)):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = 'ConfigValidationError';
  }
}

/** Credentials inside a URL-like value (`scheme://user:password@host`) are replaced before it is shown. */
function withoutCredentials(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1***@');
}

function describe(errors: ValidationError[]): string[] {
  return errors.flatMap((error) => {
    const shown = typeof error.value === 'string' && !/KEY|SECRET|PASSWORD|TOKEN/.test(error.property);
    const suffix = shown ? ` (got "${withoutCredentials(String(error.value))}")` : '';
    return Object.values(error.constraints ?? {}).map((message) => `${message}${suffix}`);
  });
}

/**
 * Validates every namespace against the environment and builds the typed configuration.
 * All problems are collected first so an operator fixes a bad environment in one go.
 */
export function loadConfig(environment: Environment = process.env): AllConfig {
  const problems: string[] = [];
  const values: Partial<Record<keyof AllConfig, unknown>> = {};
  for (const namespace of CONFIG_NAMESPACES) {
    const env = plainToInstance(namespace.env, environment, { excludeExtraneousValues: false });
    const errors = validateSync(env, { forbidUnknownValues: false });
    if (errors.length > 0) {
      problems.push(...describe(errors));
      continue;
    }
    const value = namespace.build(env);
    problems.push(...(namespace.check?.(value) ?? []));
    values[namespace.key] = value;
  }
  if (problems.length > 0) {
    throw new ConfigValidationError(problems);
  }
  return values as AllConfig;
}
