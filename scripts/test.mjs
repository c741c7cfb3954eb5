// Runs Jest with any extra arguments, then prints "N passed, N failed" from Jest's JSON result as the last line.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { REPORT, summary } from './print-summary.mjs';

mkdirSync(dirname(REPORT), { recursive: true });
rmSync(REPORT, { force: true });

const jest = spawnSync(
  process.execPath,
  ['node_modules/jest/bin/jest.js', '--json', `--outputFile=${REPORT}`, ...process.argv.slice(2)],
  { stdio: 'inherit' },
);

console.log(summary());
process.exit(jest.status ?? 1);
