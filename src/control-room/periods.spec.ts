import { isTimeZone, startOf } from './periods';

describe('periods', () => {
  // Wednesday 2026-12-02 01:30 in Moscow (UTC+3) is still Tuesday 22:30 UTC.
  const now = Date.UTC(2026, 11, 1, 22, 30);

  it('starts a week on Monday at midnight in the zone', () => {
    expect(new Date(startOf('week', now, 'Europe/Moscow')).toISOString()).toBe('2026-11-29T21:00:00.000Z');
    expect(new Date(startOf('week', now, 'UTC')).toISOString()).toBe('2026-11-30T00:00:00.000Z');
  });

  it('starts a month on its first day at midnight in the zone', () => {
    expect(new Date(startOf('month', now, 'Europe/Moscow')).toISOString()).toBe('2026-11-30T21:00:00.000Z');
    expect(new Date(startOf('month', Date.UTC(2026, 11, 1, 20, 0), 'UTC')).toISOString()).toBe(
      '2026-12-01T00:00:00.000Z',
    );
  });

  it('follows daylight saving time where the zone has it', () => {
    // Berlin: CEST (UTC+2) until Sunday 25 October 2026, CET (UTC+1) from then: that month began at +2, the
    // week of Wednesday 28 October began on Monday at +1.
    expect(new Date(startOf('month', Date.UTC(2026, 9, 30), 'Europe/Berlin')).toISOString()).toBe(
      '2026-09-30T22:00:00.000Z',
    );
    expect(new Date(startOf('week', Date.UTC(2026, 9, 28, 12), 'Europe/Berlin')).toISOString()).toBe(
      '2026-10-25T23:00:00.000Z',
    );
  });

  it('knows a zone from a typo', () => {
    expect(isTimeZone('Asia/Yekaterinburg')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
  });
});
