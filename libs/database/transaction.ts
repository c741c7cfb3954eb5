import type { DataSource, EntityManager } from 'typeorm';
import { inTransaction } from './transactions';

/**
 * An open database transaction, handed to the repository methods that must take part in it. Services pass it
 * along without looking inside; only TypeORM repositories open it (`entityManagerOf`).
 */
export abstract class Transaction {
  protected readonly kind = 'transaction';
}

class TypeOrmTransaction extends Transaction {
  constructor(readonly manager: EntityManager) {
    super();
  }
}

/** The EntityManager of a transaction, for TypeORM repositories; the DataSource's own manager without one. */
export function entityManagerOf(dataSource: DataSource, tx?: Transaction): EntityManager {
  if (tx === undefined) {
    return dataSource.manager;
  }
  if (!(tx instanceof TypeOrmTransaction)) {
    throw new TypeError('Not a transaction of this DataSource');
  }
  return tx.manager;
}

/** Runs work in one database transaction (one at a time on SQLite, see `inTransaction`). */
export class Transactions {
  constructor(private readonly dataSource: DataSource) {}

  run<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    return inTransaction(this.dataSource, (manager) => work(new TypeOrmTransaction(manager)));
  }
}
