import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from '../../config';
import { MIGRATIONS } from './migrations';
import { TypeOrmLogger } from './typeorm-logger';

/** Queries slower than this are logged as warnings. */
const SLOW_QUERY_MS = 1000;

/**
 * The single TypeORM options object: the app (TypeOrmModule) and the migration CLI (ormconfig.ts) both build
 * their DataSource from it. Schema changes come from migrations only.
 */
/** Entity classes, as each feature module lists its own (`*_ENTITIES`). */
export type EntityList = readonly (new (...args: never[]) => object)[];

export function buildDataSourceOptions(config: DatabaseConfig, entities: EntityList): DataSourceOptions {
  const common = {
    entities: [...entities],
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    logger: new TypeOrmLogger(config.logQueries),
    maxQueryExecutionTime: SLOW_QUERY_MS,
  };
  if (config.type === 'sqlite') {
    const path = resolve(config.path);
    mkdirSync(dirname(path), { recursive: true });
    return {
      ...common,
      type: 'better-sqlite3',
      database: path,
      enableWAL: true,
      timeout: 5000,
      // SQLite's own lower() folds ASCII only; PostgreSQL's folds every script. The same SQL (`lower(x) LIKE`,
      // e.g. the donor search) then finds «Маша» for «маш» on both. No index may use lower(): one built with
      // SQLite's own would no longer match.
      prepareDatabase: (db: {
        function(name: string, options: object, fn: (value: unknown) => unknown): void;
      }) =>
        db.function('lower', { deterministic: true }, (value) =>
          typeof value === 'string' ? value.toLowerCase() : value,
        ),
    };
  }
  return {
    ...common,
    type: 'postgres',
    url: config.url,
    schema: config.schema,
    poolSize: config.poolSize,
    extra: { options: `-c search_path=${config.schema}` },
    applicationName: 'da-twitch-backend',
  };
}
