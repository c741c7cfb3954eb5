// Runs Jest with any extra arguments, then prints "N passed, N failed" from Jest's JSON result as the last line.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const reportDir = 'reports';
const report = join(reportDir, 'jest-results.json');
mkdirSync(reportDir, { recursive: true });
rmSync(report, { force: true });

const jest = spawnSync(
  process.execPath,
  ['node_modules/jest/bin/jest.js', '--json', `--outputFile=${report}`, ...process.argv.slice(2)],
  { stdio: 'inherit' },
);

if (!existsSync(report)) {
  console.log('0 passed, 1 failed');
  process.exit(jest.status || 1);
}
const results = JSON.parse(readFileSync(report, 'utf8'));
const failed = results.numFailedTests + (results.numRuntimeErrorTestSuites ?? 0);
console.log(`${results.numPassedTests} passed, ${failed} failed`);
process.exit(jest.status ?? 1);
