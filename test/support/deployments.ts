import type { Environment } from '../../config';
import { createTestDatabase, type TestDatabase } from './databases';
import { clearRedisPrefix } from './redis';
import { TEST_REDIS_URL, uniqueName } from './services';

/** The two ways the service is run: one process on SQLite, or instances sharing PostgreSQL and Redis. */
export type Deployment = 'sqlite' | 'postgres+redis';
export const DEPLOYMENTS: Deployment[] = ['sqlite', 'postgres+redis'];

/** The database (and, for postgres+redis, the Redis prefix) every instance of one test shares. */
export interface BackingServices {
  deployment: Deployment;
  database: TestDatabase;
  /** DATABASE_URL (+ DATABASE_SCHEMA, REDIS_URL, REDIS_KEY_PREFIX) for the app. */
  env: Environment;
  /** Drops the schema or file and deletes the Redis keys. */
  close(): Promise<void>;
}

export async function createBackingServices(deployment: Deployment): Promise<BackingServices> {
  if (deployment === 'sqlite') {
    const database = await createTestDatabase('sqlite');
    return { deployment, database, env: database.env, close: () => database.drop() };
  }
  const database = await createTestDatabase('postgres');
  const keyPrefix = `${uniqueName('deployment')}:`;
  return {
    deployment,
    database,
    env: { ...database.env, REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: keyPrefix },
    close: async () => {
      await database.drop();
      await clearRedisPrefix(keyPrefix);
    },
  };
}
