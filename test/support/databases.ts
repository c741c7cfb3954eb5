import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import type { DatabaseConfig } from '../../config';
import { guardSqliteConnection } from '../../libs/database';
import { applyPendingMigrations } from '../../src/database/migrator';
import { appDataSourceOptions } from '../../src/app.entities';
import { TEST_POSTGRES_URL, uniqueName } from './services';

export type DatabaseKind = 'sqlite' | 'postgres';
export const DATABASE_KINDS: DatabaseKind[] = ['sqlite', 'postgres'];

/** An empty database of its own for one test file: a temp SQLite file, or a fresh PostgreSQL schema. */
export interface TestDatabase {
  kind: DatabaseKind;
  config: DatabaseConfig;
  /** The same database as environment variables, for booting the app or a child process. */
  env: Record<string, string>;
  drop(): Promise<void>;
}

export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'da-test-'));
    const path = join(dir, 'app.sqlite');
    return {
      kind,
      config: { type: 'sqlite', url: `sqlite:${path}`, path, runMigrations: true, logQueries: false },
      env: { DATABASE_URL: `sqlite:${path}` },
      drop: () => {
        rmSync(dir, { recursive: true, force: true });
        return Promise.resolve();
      },
    };
  }
  const schema = uniqueName('pg').toLowerCase();
  await withPgClient((client) => client.query(`CREATE SCHEMA "${schema}"`));
  return {
    kind,
    config: {
      type: 'postgres',
      url: TEST_POSTGRES_URL,
      schema,
      poolSize: 5,
      runMigrations: true,
      logQueries: false,
    },
    env: { DATABASE_URL: TEST_POSTGRES_URL, DATABASE_SCHEMA: schema },
    drop: () =>
      withPgClient((client) => client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)).then(
        () => undefined,
      ),
  };
}

async function withPgClient<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A DataSource on the test database with every migration applied, as the app would have it. */
export async function openDataSource(database: TestDatabase, { migrate = true } = {}): Promise<DataSource> {
  const dataSource = await new DataSource(appDataSourceOptions(database.config)).initialize();
  guardSqliteConnection(dataSource);
  if (migrate) {
    await applyPendingMigrations(dataSource);
  }
  return dataSource;
}
