import { fairShare, planClaims, validateOwnershipTiming } from './ownership.policy';

describe(fairShare.name, () => {
  it('splits the wanted keys evenly over the live instances, rounding up, plus the slack', () => {
    expect(fairShare(9, 3, 0)).toBe(3);
    expect(fairShare(9, 3, 1)).toBe(4);
    expect(fairShare(10, 3, 0)).toBe(4);
    expect(fairShare(9, 4, 1)).toBe(4);
  });

  it('gives a lone instance every key', () => {
    expect(fairShare(7, 1, 0)).toBe(7);
  });

  it('counts the instance itself when no heartbeat was read', () => {
    expect(fairShare(5, 0, 1)).toBe(6);
  });

  it('gives nothing when nothing is wanted, whatever the slack', () => {
    expect(fairShare(0, 3, 1)).toBe(0);
  });

  it('ignores a negative slack', () => {
    expect(fairShare(9, 3, -2)).toBe(3);
  });
});

describe(planClaims.name, () => {
  it('tries every free key for the even share and only keys already free last pass with the slack', () => {
    expect(planClaims(['a', 'b', 'c'], new Set(['c', 'x']))).toEqual({
      first: ['a', 'b', 'c'],
      thenWithSlack: ['c'],
    });
  });

  it('spends no slack on the first pass', () => {
    expect(planClaims(['a', 'b'], new Set()).thenWithSlack).toEqual([]);
  });
});

describe(validateOwnershipTiming.name, () => {
  it('accepts a lease of two renewals with the default margin', () => {
    expect(() => validateOwnershipTiming(10_000, 20_000, 5_000)).not.toThrow();
  });

  it('refuses a lease shorter than two renewals', () => {
    expect(() => validateOwnershipTiming(10_000, 15_000, 1_000)).toThrow(/leaseMs >= 2 \* renewMs/);
  });

  it('refuses a margin that leaves no room for a renewal', () => {
    expect(() => validateOwnershipTiming(100, 400, 300)).toThrow(/abortMarginMs/);
  });
});
