/* eslint-disable no-console -- a command-line tool talks to its terminal */
import { Logger } from '@nestjs/common';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { MigrationExecutor, type DataSource } from 'typeorm';
import { applyPendingMigrations } from './migrator';

const USAGE = `Usage:
  npm run migrate                          apply pending migrations
  npm run migrate:check                    exit 1 and list pending migrations, if any
  npm run migration:generate -- <Name>     write src/database/migrations/<epoch>-<Name>.ts from entity changes`;

async function withDataSource<T>(fn: (dataSource: DataSource) => Promise<T>): Promise<T> {
  const { default: dataSource } = await import('../../ormconfig');
  await dataSource.initialize();
  try {
    return await fn(dataSource);
  } finally {
    await dataSource.destroy();
  }
}

async function run(): Promise<number> {
  const applied = await withDataSource((dataSource) => applyPendingMigrations(dataSource));
  console.log(applied.length ? `Applied ${applied.join(', ')}` : 'No pending migrations.');
  return 0;
}

async function check(): Promise<number> {
  const pending = await withDataSource((dataSource) =>
    new MigrationExecutor(dataSource).getPendingMigrations(),
  );
  if (pending.length === 0) {
    console.log('The database schema is up to date.');
    return 0;
  }
  console.log(`${pending.length} pending migration(s):\n${pending.map((m) => `  - ${m.name}`).join('\n')}`);
  return 1;
}

function generate(name: string | undefined): number {
  if (!name || !/^[A-Z][A-Za-z0-9]+$/.test(name)) {
    console.error(`A PascalCase migration name is required.\n${USAGE}`);
    return 2;
  }
  const root = resolve(__dirname, '../../..');
  const result = spawnSync(
    process.execPath,
    [
      resolve(root, 'node_modules/typeorm/cli.js'),
      'migration:generate',
      '--dataSource',
      resolve(root, 'dist/ormconfig.js'),
      '--pretty',
      resolve(root, 'src/database/migrations', name),
    ],
    { stdio: 'inherit', cwd: root },
  );
  if (result.status === 0) {
    console.log(
      'Add the new class to src/database/migrations/index.ts (and keep it runnable on both databases).',
    );
  }
  return result.status ?? 1;
}

async function main(): Promise<number> {
  // The CLI answers in plain lines of its own; only problems come through the framework logger.
  Logger.overrideLogger(['error', 'warn']);
  const [command, argument] = process.argv.slice(2);
  switch (command) {
    case 'run':
      return run();
    case 'check':
      return check();
    case 'generate':
      return generate(argument);
    default:
      console.error(USAGE);
      return 2;
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`Migration command failed: ${error.message}`);
    process.exit(1);
  },
);
