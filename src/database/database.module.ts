import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { DatabaseConfig } from '../../config';
import { guardSqliteConnection } from '../../libs/database';
import { applyPendingMigrations } from './migrator';
import { buildDataSourceOptions } from './typeorm-options';

@Module({})
export class DatabaseModule {
  /** The DataSource is handed out only after pending migrations ran (unless DB_RUN_MIGRATIONS=false). */
  static forRoot(config: DatabaseConfig): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => buildDataSourceOptions(config),
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
