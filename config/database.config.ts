import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { defineNamespace } from './config-namespace';
import { emptyToUndefined, toBoolean, toInteger } from './env-parsing';

export class DatabaseEnv {
  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^(sqlite:.+|postgres(ql)?:\/\/.+)$/, {
    message: 'DATABASE_URL must be sqlite:<path> or postgres://user@host:port/database',
  })
  DATABASE_URL?: string;
  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^[a-z_][a-z0-9_]{0,62}$/, { message: 'DATABASE_SCHEMA must be a lower-case SQL identifier' })
  DATABASE_SCHEMA?: string;
  @IsOptional() @Transform(toBoolean) @IsBoolean() DB_RUN_MIGRATIONS?: boolean;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(1) @Max(200) DB_POOL_SIZE?: number;
  @IsOptional() @Transform(toBoolean) @IsBoolean() DB_LOG_QUERIES?: boolean;
}

export type DatabaseConfig =
  | { type: 'sqlite'; url: string; path: string; runMigrations: boolean; logQueries: boolean }
  | {
      type: 'postgres';
      url: string;
      schema: string;
      poolSize: number;
      runMigrations: boolean;
      logQueries: boolean;
    };

export const DEFAULT_DATABASE_URL = 'sqlite:data/app.sqlite';

export const databaseNamespace = defineNamespace({
  key: 'database',
  env: DatabaseEnv,
  build: (env): DatabaseConfig => {
    const url = env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
    const runMigrations = env.DB_RUN_MIGRATIONS ?? true;
    const logQueries = env.DB_LOG_QUERIES ?? false;
    if (url.startsWith('sqlite:')) {
      return { type: 'sqlite', url, path: url.slice('sqlite:'.length), runMigrations, logQueries };
    }
    return {
      type: 'postgres',
      url,
      schema: env.DATABASE_SCHEMA ?? 'public',
      poolSize: env.DB_POOL_SIZE ?? 10,
      runMigrations,
      logQueries,
    };
  },
});
