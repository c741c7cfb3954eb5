import { MemoryOverlayEventLog } from './memory-overlay-event-log';
import { compareEventIds, type OverlayEvent } from './overlay-event';
import { ManualClock } from '../../test/support/manual-clock';
import { sampleOverlayEvent } from '../../test/support/overlay-events';

describe(MemoryOverlayEventLog.name, () => {
  let clock: ManualClock;
  let sut: MemoryOverlayEventLog;

  beforeEach(() => {
    clock = new ManualClock(1_000_000);
    sut = new MemoryOverlayEventLog(
      { historySize: 3, historyMaxAgeMs: 1000, heartbeatMs: 15_000, alertDurationMs: 8000 },
      clock,
    );
  });

  it('gives each streamer increasing ids, prefixed by the boot time, and replays what follows an id', async () => {
    const first = await sut.append('a', sampleOverlayEvent('1'));
    await sut.append('b', sampleOverlayEvent('x'));
    const second = await sut.append('a', sampleOverlayEvent('2'));
    expect([first.id, second.id]).toEqual(['1000000-1', '1000000-2']);
    await expect(sut.since('a', first.id)).resolves.toEqual([second]);
    await expect(sut.since('a', second.id)).resolves.toEqual([]);
  });

  it('answers reset for an id trimmed by count, by age, or never issued', async () => {
    const first = await sut.append('a', sampleOverlayEvent('1'));
    for (const amount of ['2', '3', '4']) {
      await sut.append('a', sampleOverlayEvent(amount));
    }
    await expect(sut.since('a', first.id)).resolves.toBe('reset');
    await expect(sut.since('a', '1000000-99')).resolves.toBe('reset');
    const kept = await sut.append('a', sampleOverlayEvent('5'));
    clock.advance(1001);
    await expect(sut.since('a', kept.id)).resolves.toBe('reset');
  });

  it('replays every event of this boot after an id of an earlier boot, while the ring holds them all', async () => {
    const earlier = `${clock.now() - 5000}-7`;
    const events = [
      await sut.append('a', sampleOverlayEvent('1')),
      await sut.append('a', sampleOverlayEvent('2')),
    ];
    await expect(sut.since('a', earlier)).resolves.toEqual(events);
    await expect(sut.since('b', earlier)).resolves.toEqual([]);
    await expect(sut.since('a', '41')).resolves.toEqual(events);
    await sut.append('a', sampleOverlayEvent('3'));
    await sut.append('a', sampleOverlayEvent('4'));
    await expect(sut.since('a', earlier)).resolves.toBe('reset');
  });

  it('answers reset for an id of a later boot (the clock went back)', async () => {
    await sut.append('a', sampleOverlayEvent('1'));
    await expect(sut.since('a', `${clock.now() + 5000}-1`)).resolves.toBe('reset');
  });

  it('gives ids that keep increasing across a restart', async () => {
    const before = await sut.append('a', sampleOverlayEvent('1'));
    clock.advance(10);
    const restarted = new MemoryOverlayEventLog(
      { historySize: 3, historyMaxAgeMs: 1000, heartbeatMs: 15_000, alertDurationMs: 8000 },
      clock,
    );
    const after = await restarted.append('a', sampleOverlayEvent('2'));
    expect(compareEventIds(after.id, before.id)).toBe(1);
    await expect(restarted.since('a', before.id)).resolves.toEqual([after]);
  });

  it("delivers live events to the streamer's listeners only, until they unsubscribe", async () => {
    const seen: OverlayEvent[] = [];
    const unsubscribe = await sut.subscribe('a', (event) => seen.push(event));
    await sut.append('b', sampleOverlayEvent('x'));
    const delivered = await sut.append('a', sampleOverlayEvent('1'));
    expect(sut.stats()).toEqual({ listeners: 1, streamers: 1 });
    unsubscribe();
    await sut.append('a', sampleOverlayEvent('2'));
    expect(seen).toEqual([delivered]);
    expect(sut.stats()).toEqual({ listeners: 0, streamers: 0 });
  });
});

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
