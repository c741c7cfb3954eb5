import { reconnectDelay } from './reconnect-delay';

describe(reconnectDelay.name, () => {
  const limits = { minMs: 1000, maxMs: 60_000 };

  it('doubles from the minimum per attempt up to the maximum without jitter', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((attempt) => reconnectDelay(attempt, limits, () => 0))).toEqual([
      1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000,
    ]);
  });

  it('adds up to 20 % jitter', () => {
    expect(reconnectDelay(1, limits, () => 0.5)).toBe(1100);
    expect(reconnectDelay(7, limits, () => 0.999)).toBe(71_988);
  });

  it('never waits zero, even with a zero minimum', () => {
    expect(reconnectDelay(1, { minMs: 0, maxMs: 0 }, () => 0)).toBe(1);
  });
});
