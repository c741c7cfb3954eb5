import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { DataSource, MigrationExecutor } from 'typeorm';

/**
 * Not ready while migrations are pending (possible with DB_RUN_MIGRATIONS=false). Once the schema is found
 * current it stays current for this process, so later checks cost nothing.
 */
@Injectable()
export class SchemaHealthIndicator {
  private current = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly health: HealthIndicatorService,
  ) {}

  async check(): Promise<HealthIndicatorResult<'schema'>> {
    const indicator = this.health.check('schema');
    if (this.current) {
      return indicator.up();
    }
    try {
      const pending = await this.pendingMigrations();
      if (pending.length > 0) {
        return indicator.down({
          message: `${pending.length} pending migration(s): run npm run migrate`,
          pending,
        });
      }
    } catch (error) {
      return indicator.down({ message: `Cannot read the migrations table: ${(error as Error).message}` });
    }
    this.current = true;
    return indicator.up();
  }

  private async pendingMigrations(): Promise<string[]> {
    const runner = this.dataSource.createQueryRunner();
    try {
      if (!(await runner.hasTable(this.dataSource.options.migrationsTableName ?? 'migrations'))) {
        return this.dataSource.migrations.map((migration) => migration.name ?? migration.constructor.name);
      }
    } finally {
      await runner.release();
    }
    const pending = await new MigrationExecutor(this.dataSource).getPendingMigrations();
    return pending.map((migration) => migration.name);
  }
}
