import type { DataSource, EntityManager } from 'typeorm';

export type SqlDialect = 'postgres' | 'sqlite';

export function dialectOf(dataSource: DataSource): SqlDialect {
  return dataSource.options.type === 'postgres' ? 'postgres' : 'sqlite';
}

/** Hand-written SQL uses `?` placeholders; PostgreSQL wants `$1, $2, …`. */
export function positional(dialect: SqlDialect, sql: string): string {
  let index = 0;
  return dialect === 'postgres' ? sql.replace(/\?/g, () => `$${++index}`) : sql;
}

/** Runs a statement and returns its rows the same way on both drivers, including for `UPDATE … RETURNING`. */
export async function queryRows<T>(
  source: DataSource | EntityManager,
  sql: string,
  parameters: unknown[] = [],
): Promise<T[]> {
  const manager = 'manager' in source ? source.manager : source;
  const runner = manager.queryRunner ?? manager.connection.createQueryRunner();
  try {
    const result = await runner.query(sql, parameters, true);
    return (result.records ?? []) as T[];
  } finally {
    if (!manager.queryRunner) {
      await runner.release();
    }
  }
}
