import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';

/**
 * TypeORM drives SQLite through ONE shared connection and query runner. Without care, two transactions open at
 * once would nest ("cannot start a transaction within a transaction"), and, worse, any plain statement another
 * request runs while a transaction is open would become part of it: committed or rolled back with work it has
 * nothing to do with. The gate runs transactions one after another and holds every other statement back while
 * one is open; a transaction starts once the plain statements already running have finished.
 */
class SqliteGate {
  private readonly context = new AsyncLocalStorage<symbol>();
  private owner?: symbol;
  private running = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private waiters: Array<() => void> = [];

  constructor(runner: QueryRunner) {
    const query: QueryRunner['query'] = runner.query.bind(runner);
    runner.query = ((...args: Parameters<QueryRunner['query']>) =>
      this.plain(() => query(...args))) as QueryRunner['query'];
  }

  transaction<T>(run: () => Promise<T>): Promise<T> {
    const next = this.queue.then(() => this.exclusive(run));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async exclusive<T>(run: () => Promise<T>): Promise<T> {
    const token = Symbol('transaction');
    this.owner = token;
    try {
      while (this.running > 0) {
        await this.changed();
      }
      return await this.context.run(token, run);
    } finally {
      this.owner = undefined;
      this.notify();
    }
  }

  private async plain<T>(run: () => Promise<T>): Promise<T> {
    if (this.owner !== undefined && this.context.getStore() === this.owner) {
      return run();
    }
    while (this.owner !== undefined) {
      await this.changed();
    }
    this.running += 1;
    try {
      return await run();
    } finally {
      this.running -= 1;
      this.notify();
    }
  }

  private changed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private notify(): void {
    for (const wake of this.waiters.splice(0)) {
      wake();
    }
  }
}

const gates = new WeakMap<DataSource, SqliteGate>();

/**
 * Puts the gate in front of a SQLite DataSource's connection. Call it right after `initialize()`, before
 * traffic: `inTransaction` would otherwise install it on first use, missing statements already under way.
 */
export function guardSqliteConnection(dataSource: DataSource): void {
  if (dataSource.options.type !== 'postgres') {
    gateOf(dataSource);
  }
}

function gateOf(dataSource: DataSource): SqliteGate {
  let gate = gates.get(dataSource);
  if (!gate) {
    gate = new SqliteGate(dataSource.createQueryRunner());
    gates.set(dataSource, gate);
  }
  return gate;
}

/**
 * `dataSource.transaction`, made safe for SQLite (see SqliteGate): there, transactions run one at a time and
 * no other statement joins them. PostgreSQL runs them in parallel on its pool, each on its own connection.
 */
export function inTransaction<T>(
  dataSource: DataSource,
  work: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  if (dataSource.options.type === 'postgres') {
    return dataSource.transaction(work);
  }
  return gateOf(dataSource).transaction(() => dataSource.transaction(work));
}
