// Prints "N passed, N failed" from the last Jest JSON result (reports/jest-results.json).
import { existsSync, readFileSync } from 'node:fs';

export const REPORT = 'reports/jest-results.json';

export function summary(path = REPORT) {
  if (!existsSync(path)) {
    return '0 passed, 1 failed';
  }
  const results = JSON.parse(readFileSync(path, 'utf8'));
  const failed = results.numFailedTests + (results.numRuntimeErrorTestSuites ?? 0);
  return `${results.numPassedTests} passed, ${failed} failed`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(summary());
}
