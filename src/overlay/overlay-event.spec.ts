import { compareEventIds } from './overlay-event';

describe(compareEventIds.name, () => {
  it('orders Redis Stream ids and counters numerically', () => {
    expect(compareEventIds('1700000000000-10', '1700000000000-9')).toBe(1);
    expect(compareEventIds('1699999999999-99', '1700000000000-0')).toBe(-1);
    expect(compareEventIds('10', '9')).toBe(1);
    expect(compareEventIds('5-1', '5-1')).toBe(0);
    expect(compareEventIds('007-1', '7-1')).toBe(0);
    expect(compareEventIds('18446744073709551615-0', '18446744073709551614-9')).toBe(1);
    expect(compareEventIds('5', '5-0')).toBe(0);
    expect(compareEventIds('5', '5-1')).toBe(-1);
  });
});
