import { DataSource } from 'typeorm';
import { DatabaseLockProvider, RedisLockProvider, type LockProvider } from '../../libs/locks';
import type { RedisConnection } from '../../libs/redis';
import { appDataSourceOptions } from '../../src/app.entities';
import { createTestDatabase, openDataSource, type DatabaseKind, type TestDatabase } from './databases';
import { clearRedisPrefix, openRedis, testRedisConfig } from './redis';
import { uniqueName } from './services';

export type LockBackendKind = 'redis' | DatabaseKind;

/** One instance of the service as far as locks go: a provider on a connection of its own. */
export interface LockInstance {
  instanceId: string;
  provider: LockProvider;
  /** Cuts this instance's connection without releasing anything, as a crash would. */
  crash(): Promise<void>;
  /** The instance's own Redis connection, on the Redis backend. */
  redis?: RedisConnection;
}

export interface LockBackend {
  kind: LockBackendKind;
  /** A new instance sharing this backend's Redis prefix or database with every other one. */
  openInstance(instanceId?: string): Promise<LockInstance>;
  /** Closes every connection it opened and removes the keys, schema or file. */
  close(): Promise<void>;
}

export interface DatabaseLockBackend extends LockBackend {
  kind: DatabaseKind;
  database: TestDatabase;
  /** A migrated DataSource on the backend's database, for assertions on tables. */
  dataSource: DataSource;
}

export function createLockBackend(kind: LockBackendKind): Promise<LockBackend> {
  return kind === 'redis' ? Promise.resolve(createRedisLockBackend()) : createDatabaseLockBackend(kind);
}

function createRedisLockBackend(): LockBackend {
  const config = testRedisConfig();
  const connections: RedisConnection[] = [];
  return {
    kind: 'redis',
    openInstance: async (instanceId = uniqueName('instance')) => {
      const connection = await openRedis(config);
      connections.push(connection);
      return {
        instanceId,
        provider: new RedisLockProvider(connection),
        redis: connection,
        crash: () => {
          connection.client!.disconnect();
          return Promise.resolve();
        },
      };
    },
    close: async () => {
      await Promise.all(connections.map((connection) => connection.close()));
      await clearRedisPrefix(config.keyPrefix);
    },
  };
}

export async function createDatabaseLockBackend(kind: DatabaseKind): Promise<DatabaseLockBackend> {
  const database = await createTestDatabase(kind);
  const dataSource = await openDataSource(database);
  const dataSources: DataSource[] = [dataSource];
  return {
    kind,
    database,
    dataSource,
    openInstance: async (instanceId = uniqueName('instance')) => {
      // Quiet: tests cut these connections on purpose, and TypeORM would log every failing query.
      const own = await new DataSource({
        ...appDataSourceOptions(database.config),
        logging: false,
      }).initialize();
      dataSources.push(own);
      return {
        instanceId,
        provider: new DatabaseLockProvider(own, instanceId),
        crash: () => own.destroy(),
      };
    },
    close: async () => {
      await Promise.all(
        dataSources.filter((source) => source.isInitialized).map((source) => source.destroy()),
      );
      await database.drop();
    },
  };
}
