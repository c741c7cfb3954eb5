/** The periods the top donors are counted over. `stream`: since the «Начать эфир» mark or the active goal's start. */
export const TOP_PERIODS = ['stream', 'week', 'month', 'all'] as const;
export type TopPeriod = (typeof TOP_PERIODS)[number];

/** Calendar weeks and months are the streamer's: Moscow time unless the request names another zone. */
export const DEFAULT_TIME_ZONE = 'Europe/Moscow';

/** The zone's offset from UTC at `at` (ms; east positive). */
function offsetMs(at: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(at);
  const value = (type: string) => Number(parts.find((part) => part.type === type)?.value);
  const asUtc = Date.UTC(
    value('year'),
    value('month') - 1,
    value('day'),
    value('hour'),
    value('minute'),
    value('second'),
  );
  return asUtc - Math.floor(at / 1000) * 1000;
}

/** Midnight of a local calendar date in the zone, as epoch ms. */
function localMidnight(year: number, month: number, day: number, timeZone: string): number {
  const guess = Date.UTC(year, month, day);
  // Twice: the offset at the guess may differ from the offset at the answer around a DST change.
  const first = guess - offsetMs(guess, timeZone);
  return guess - offsetMs(first, timeZone);
}

/** When the current calendar week (from Monday) or month began in the zone. */
export function startOf(period: 'week' | 'month', now: number, timeZone: string): number {
  const local = new Date(now + offsetMs(now, timeZone));
  const [year, month, day] = [local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate()];
  if (period === 'month') {
    return localMidnight(year, month, 1, timeZone);
  }
  const sinceMonday = (local.getUTCDay() + 6) % 7;
  return localMidnight(year, month, day - sinceMonday, timeZone);
}

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
