/** Nearest-rank percentile of `sorted` (ascending); NaN when empty. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) {
    return Number.NaN;
  }
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1];
}

export interface Distribution {
  count: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

export function distribution(values: number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((total, value) => total + value, 0);
  return {
    count: sorted.length,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    max: sorted.length === 0 ? Number.NaN : sorted[sorted.length - 1],
    mean: sorted.length === 0 ? Number.NaN : sum / sorted.length,
  };
}

/** `INFO commandstats` as calls per command name (`cmdstat_zadd:calls=3,...` → zadd: 3). */
export function commandCalls(info: string): Map<string, number> {
  const calls = new Map<string, number>();
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    calls.set(match[1], Number(match[2]));
  }
  return calls;
}

/** Calls per command between two `commandCalls` readings, minus `exclude` (commands the benchmark sent). */
export function commandDelta(
  before: Map<string, number>,
  after: Map<string, number>,
  exclude: Map<string, number>,
): Map<string, number> {
  const delta = new Map<string, number>();
  for (const [name, count] of after) {
    const value = count - (before.get(name) ?? 0) - (exclude.get(name) ?? 0);
    if (value > 0) {
      delta.set(name, value);
    }
  }
  return delta;
}

/** Redis server CPU seconds (user + system, main and background threads) from `INFO cpu`. */
export function redisCpuSeconds(info: string): number {
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return field('used_cpu_user') + field('used_cpu_sys');
}

export function sum(values: Iterable<number>): number {
  let total = 0;
  for (const value of values) {
    total += value;
  }
  return total;
}

export function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
