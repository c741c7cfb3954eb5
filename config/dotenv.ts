import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** Loads `.env` from the working directory when present; variables already set in the environment win. */
export function loadDotEnvFile(path = resolve(process.cwd(), '.env')): void {
  if (existsSync(path)) {
    process.loadEnvFile(path);
  }
}
