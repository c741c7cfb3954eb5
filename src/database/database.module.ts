import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { DatabaseConfig } from '../../config';
import { guardSqliteConnection, Transactions } from '../../libs/database';
import { applyPendingMigrations } from './migrator';
import { buildDataSourceOptions, type EntityList } from './typeorm-options';

@Module({})
export class DatabaseModule {
  /**
   * The DataSource for the entities the feature modules list (gathered in `src/app.entities.ts`), handed out
   * only after pending migrations ran (unless DB_RUN_MIGRATIONS=false).
   */
  static forRoot(config: DatabaseConfig, entities: EntityList): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      providers: [
        {
          provide: Transactions,
          inject: [DataSource],
          useFactory: (dataSource: DataSource) => new Transactions(dataSource),
        },
      ],
      exports: [Transactions],
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => buildDataSourceOptions(config, entities),
          dataSourceFactory: async (options) => {
            const dataSource = await new DataSource(options!).initialize();
            guardSqliteConnection(dataSource);
            if (config.runMigrations) {
              await applyPendingMigrations(dataSource);
            }
            return dataSource;
          },
        }),
      ],
    };
  }
}
