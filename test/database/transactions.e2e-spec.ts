import type { DataSource } from 'typeorm';
import { inTransaction } from '../../libs/database';
import { createTestDatabase, DATABASE_KINDS, openDataSource, type TestDatabase } from '../support/databases';

/** A promise and the function that settles it, for pausing work at a point the test chooses. */
function signal(): { promise: Promise<void>; fire: () => void } {
  let fire!: () => void;
  const promise = new Promise<void>((resolve) => (fire = resolve));
  return { promise, fire };
}

describe.each(DATABASE_KINDS)('inTransaction (%s)', (kind) => {
  let database: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    dataSource = await openDataSource(database, { migrate: false });
    await dataSource.query('CREATE TABLE scratch (id varchar(16) PRIMARY KEY)');
  });

  afterEach(async () => {
    await dataSource.query('DELETE FROM scratch');
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  async function ids(): Promise<string[]> {
    const rows: Array<{ id: string }> = await dataSource.query('SELECT id FROM scratch ORDER BY id');
    return rows.map((row) => row.id);
  }

  it("keeps a statement run while another transaction is open out of it: the transaction's rollback spares it", async () => {
    const inside = signal();
    const resume = signal();
    const transaction = inTransaction(dataSource, async (manager) => {
      await manager.query("INSERT INTO scratch (id) VALUES ('in-tx')");
      inside.fire();
      await resume.promise;
      throw new Error('rolled back on purpose');
    });
    await inside.promise;

    const plain = dataSource.query("INSERT INTO scratch (id) VALUES ('plain')");
    resume.fire();

    await expect(transaction).rejects.toThrow('rolled back on purpose');
    await plain;
    expect(await ids()).toEqual(['plain']);
  });

  it('runs transactions opened at once without mixing them: one rolls back, the other commits', async () => {
    const firstInside = signal();
    const resume = signal();
    const failing = inTransaction(dataSource, async (manager) => {
      await manager.query("INSERT INTO scratch (id) VALUES ('a')");
      firstInside.fire();
      await resume.promise;
      throw new Error('rolled back on purpose');
    });
    await firstInside.promise;
    const committing = inTransaction(dataSource, async (manager) => {
      await manager.query("INSERT INTO scratch (id) VALUES ('b')");
    });
    resume.fire();

    await expect(failing).rejects.toThrow('rolled back on purpose');
    await committing;
    expect(await ids()).toEqual(['b']);
  });
});
