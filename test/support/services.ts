/** Real services the integration tier talks to; override for another machine. */
export const TEST_POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

let counter = 0;

/** A name unique to this run, worker and call, for schemas, key prefixes and temp files. */
export function uniqueName(label: string): string {
  counter += 1;
  return `t_${label}_${process.pid}_${Date.now().toString(36)}_${counter}`;
}
