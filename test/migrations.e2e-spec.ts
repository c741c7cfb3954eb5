import { DataSource } from 'typeorm';
import { applyPendingMigrations } from '../src/database/migrator';
import { MIGRATIONS } from '../src/database/migrations';
import { bootApp, type TestApp } from './support/app';
import { createTestDatabase, DATABASE_KINDS, openDataSource, type TestDatabase } from './support/databases';

describe(applyPendingMigrations.name, () => {
  describe.each(DATABASE_KINDS)('on %s', (kind) => {
    let database: TestDatabase;
    const apps: TestApp[] = [];

    beforeEach(async () => {
      database = await createTestDatabase(kind);
    });

    afterEach(async () => {
      await Promise.all(apps.splice(0).map((app) => app.close()));
      await database?.drop();
    });

    it('brings a fresh database to the latest migration when the app starts', async () => {
      apps.push(await bootApp({ ...database.env, LOG_LEVEL: 'fatal' }));

      const dataSource = apps[0].app.get(DataSource);
      expect(await dataSource.showMigrations()).toBe(false);
      const applied: Array<{ name: string }> = await dataSource.query(
        'SELECT name FROM migrations ORDER BY id',
      );
      expect(applied.map((row) => row.name)).toEqual(MIGRATIONS.map((migration) => migration.name));
    });
  });

  it('applies each migration once when two instances start together on a fresh PostgreSQL schema', async () => {
    const database = await createTestDatabase('postgres');
    const [first, second] = await Promise.all([openDataSource(database), openDataSource(database)]);
    try {
      const applied: Array<{ name: string }> = await first.query('SELECT name FROM migrations ORDER BY id');
      expect(applied.map((row) => row.name)).toEqual(MIGRATIONS.map((migration) => migration.name));
      expect(await second.showMigrations()).toBe(false);
    } finally {
      await Promise.all([first.destroy(), second.destroy()]);
      await database.drop();
    }
  });
});
