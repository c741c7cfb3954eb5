import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { dialectOf, positional, queryRows, type SqlDialect } from '../database';
import type { Lease } from './lease';
import { LockProvider } from './lock-provider';

/** The database's own clock in epoch milliseconds, so instances with skewed clocks agree on expiry. */
const NOW_MS: Record<SqlDialect, string> = {
  postgres: `(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::bigint`,
  sqlite: `CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)`,
};

/**
 * Locks as rows of the `locks` table (one per key: holder, token, expiry), taken with a single conditional
 * upsert. Works across instances sharing PostgreSQL and in-process on SQLite. Rows are never deleted, so a
 * key's fencing token keeps increasing across releases.
 */
export class DatabaseLockProvider extends LockProvider {
  readonly backend = 'database' as const;
  private readonly dialect: SqlDialect;
  private readonly statements: { acquire: string; extend: string; release: string };

  constructor(
    private readonly dataSource: DataSource,
    private readonly instanceId: string,
  ) {
    super();
    this.dialect = dialectOf(dataSource);
    const now = NOW_MS[this.dialect];
    this.statements = {
      acquire: positional(
        this.dialect,
        `INSERT INTO locks (lock_key, holder, token, expires_at) VALUES (?, ?, 1, ${now} + ?)
         ON CONFLICT (lock_key) DO UPDATE
           SET holder = excluded.holder, token = locks.token + 1, expires_at = excluded.expires_at
           WHERE locks.expires_at <= ${now}
         RETURNING token`,
      ),
      extend: positional(
        this.dialect,
        `UPDATE locks SET expires_at = ${now} + ?
         WHERE lock_key = ? AND holder = ? AND token = ? AND expires_at > ${now}
         RETURNING token`,
      ),
      release: positional(
        this.dialect,
        `UPDATE locks SET holder = '', expires_at = 0 WHERE lock_key = ? AND holder = ? AND token = ? RETURNING token`,
      ),
    };
  }

  async tryLock(key: string, ttlMs: number): Promise<Lease | null> {
    const holder = `${this.instanceId}/${randomUUID()}`;
    const rows = await this.rows(this.statements.acquire, [key, holder, ttlMs]);
    if (rows.length === 0) {
      return null;
    }
    const token = Number(rows[0].token);
    return {
      key,
      token,
      extend: async (extendMs) =>
        (await this.rows(this.statements.extend, [extendMs, key, holder, token])).length > 0,
      release: async () => {
        await this.rows(this.statements.release, [key, holder, token]);
      },
    };
  }

  private rows(sql: string, parameters: unknown[]): Promise<Array<{ token: string | number }>> {
    return queryRows(this.dataSource, sql, parameters);
  }
}
