/**
 * The wait before reconnect attempt `attempt` (1, 2, ...): `minMs` doubling per attempt up to `maxMs`, plus up
 * to 20 % jitter so sockets dropped together do not come back together. Never zero: a flapping socket must not
 * turn into a tight loop.
 */
export function reconnectDelay(
  attempt: number,
  { minMs, maxMs }: { minMs: number; maxMs: number },
  random: () => number = Math.random,
): number {
  const base = Math.min(maxMs, minMs * 2 ** Math.max(0, attempt - 1));
  return Math.max(1, Math.round(base * (1 + 0.2 * random())));
}
