import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';

/** Any fixed number: the PostgreSQL advisory lock that serialises instances migrating at the same time. */
const MIGRATION_ADVISORY_LOCK = 727_451_001;

/**
 * Applies pending migrations and returns their names. On PostgreSQL an advisory lock makes instances that start together take turns,
 * so each migration runs once; SQLite's single writer needs no extra care.
 */
export async function applyPendingMigrations(
  dataSource: DataSource,
  logger = new Logger('Migrations'),
): Promise<string[]> {
  const run = async () => {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    for (const migration of applied) {
      logger.log(`Applied migration ${migration.name}`);
    }
    return applied.map((migration) => migration.name);
  };
  if (dataSource.options.type !== 'postgres') {
    return run();
  }
  const session = dataSource.createQueryRunner();
  try {
    await session.query('SELECT pg_advisory_lock($1)', [MIGRATION_ADVISORY_LOCK]);
    return await run();
  } finally {
    await session.query('SELECT pg_advisory_unlock($1)', [MIGRATION_ADVISORY_LOCK]).catch(() => undefined);
    await session.release();
  }
}
