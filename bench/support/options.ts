/**
 * A benchmark option that must be a positive number: `fallback` when unset or empty, else the parsed value;
 * anything else fails the run before it starts, naming the option.
 */
export function positiveNumber(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') {
    return fallback;
  }
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) {
    throw new Error(`${name} must be a positive number (got "${value}")`);
  }
  return parsed;
}
