import { setTimeout as delay } from 'node:timers/promises';
import type { RedisConnection } from '../../libs/redis';
import type { OverlayEvent } from '../../src/overlay/overlay-event';
import { RedisOverlayEventLog } from '../../src/overlay/redis-overlay-event-log';
import { clearRedisPrefix, openRedis, testRedisConfig } from '../support/redis';
import { within } from '../support/waiting';
import { sampleOverlayEvent } from '../support/overlay-events';

const SETTINGS = { historySize: 200, historyMaxAgeMs: 300, heartbeatMs: 15_000, alertDurationMs: 8000 };

describe(RedisOverlayEventLog.name, () => {
  const config = testRedisConfig();
  let connections: RedisConnection[];
  let writer: RedisOverlayEventLog;
  let reader: RedisOverlayEventLog;

  beforeEach(async () => {
    connections = [await openRedis(config), await openRedis(config)];
    writer = new RedisOverlayEventLog(connections[0], SETTINGS);
    reader = new RedisOverlayEventLog(connections[1], SETTINGS);
  });

  afterEach(async () => {
    await writer.onApplicationShutdown();
    await reader.onApplicationShutdown();
    await Promise.all(connections.map((connection) => connection.close()));
    await clearRedisPrefix(config.keyPrefix);
  });

  /** Subscribes (resolving once nothing appended later can be missed) and returns the first event to come. */
  async function firstEvent(
    log: RedisOverlayEventLog,
    streamerId: string,
  ): Promise<{ delivered: Promise<OverlayEvent> }> {
    let deliver!: (event: OverlayEvent) => void;
    const delivered = new Promise<OverlayEvent>((resolve) => (deliver = resolve));
    await log.subscribe(streamerId, (event) => deliver(event));
    return { delivered };
  }

  it('delivers an event appended by another instance to the subscribers of its streamer only', async () => {
    const other: OverlayEvent[] = [];
    await reader.subscribe('other', (event) => other.push(event));
    const { delivered } = await firstEvent(reader, 's1');
    const appended = await writer.append('s1', sampleOverlayEvent('1'));
    const event = await within(delivered, 2000, 'delivery on the other instance');
    expect(event).toEqual(appended);
    expect(event.id).toMatch(/^\d+-\d+$/);
    expect(other).toEqual([]);
  });

  it('starts watching a newly subscribed streamer while already blocked on others', async () => {
    await reader.subscribe('first', () => undefined);
    const { delivered: second } = await firstEvent(reader, 'second');
    await writer.append('second', sampleOverlayEvent('2'));
    await expect(within(second, 2000, 'delivery')).resolves.toMatchObject({ data: { amount: '2' } });
  });

  it('drops its interest in a streamer when the last subscriber leaves', async () => {
    const before = reader.stats();
    const stops = [
      await reader.subscribe('s', () => undefined),
      await reader.subscribe('s', () => undefined),
    ];
    expect(reader.stats()).toEqual({ listeners: before.listeners + 2, streamers: before.streamers + 1 });
    stops.forEach((stop) => stop());
    expect(reader.stats()).toEqual(before);
  });

  it('replays after an id and resets for ids aged out of the history or never issued', async () => {
    const old = await writer.append('s', sampleOverlayEvent('1'));
    const kept = await writer.append('s', sampleOverlayEvent('2'));
    await expect(writer.since('s', old.id)).resolves.toEqual([kept]);
    await expect(writer.since('s', '1-0')).resolves.toBe('reset');
    await expect(writer.since('s', '7')).resolves.toBe('reset');

    // Ageing out is the one thing no event announces.
    await delay(SETTINGS.historyMaxAgeMs + 50);
    const fresh = await writer.append('s', sampleOverlayEvent('3'));
    await expect(writer.since('s', kept.id)).resolves.toBe('reset');
    await expect(writer.since('s', fresh.id)).resolves.toEqual([]);
  });
});
