import { setTimeout as delay } from 'node:timers/promises';
import type { OverlayConfig } from '../../config';
import type { RedisConnection } from '../../libs/redis';
import { MemoryOverlayEventLog } from '../../src/overlay/memory-overlay-event-log';
import { compareEventIds, type OverlayEvent } from '../../src/overlay/overlay-event';
import type { OverlayEventLog } from '../../src/overlay/overlay-event-log';
import { RedisOverlayEventLog } from '../../src/overlay/redis-overlay-event-log';
import { ManualClock } from '../support/manual-clock';
import { sampleOverlayEvent } from '../support/overlay-events';
import { clearRedisPrefix, openRedis, testRedisConfig, openRedisInstances } from '../support/redis';
import { within } from '../support/waiting';

const SETTINGS: OverlayConfig = {
  historySize: 200,
  historyMaxAgeMs: 300,
  heartbeatMs: 15_000,
  alertDurationMs: 8000,
};

/**
 * Two instances' logs: `writer` appends and `reader` subscribes. In single-instance (memory) mode there is one
 * process, so both are the same log.
 */
interface LogBackend {
  name: string;
  start(): Promise<{
    writer: OverlayEventLog;
    reader: OverlayEventLog;
    /** Lets `ms` pass on the clock the log measures ages with. */
    age(ms: number): Promise<void>;
    stop(): Promise<void>;
  }>;
}

const BACKENDS: LogBackend[] = [
  {
    name: MemoryOverlayEventLog.name,
    start: () => {
      const clock = new ManualClock(1_000_000);
      const log = new MemoryOverlayEventLog(SETTINGS, clock);
      return Promise.resolve({
        writer: log,
        reader: log,
        age: (ms) => Promise.resolve(clock.advance(ms)),
        stop: () => Promise.resolve(),
      });
    },
  },
  {
    name: RedisOverlayEventLog.name,
    start: async () => {
      const redis = await openRedisInstances(2);
      const writer = new RedisOverlayEventLog(redis.connections[0], SETTINGS);
      const reader = new RedisOverlayEventLog(redis.connections[1], SETTINGS);
      return {
        writer,
        reader,
        // Redis' own clock makes the ids and ages the history: ageing out is the one thing no event announces.
        age: (ms) => delay(ms),
        stop: async () => {
          await writer.onApplicationShutdown();
          await reader.onApplicationShutdown();
          await redis.close();
        },
      };
    },
  },
];

/** Subscribes (resolving once nothing appended later can be missed) and returns the first event to come. */
async function firstEvent(
  log: OverlayEventLog,
  streamerId: string,
): Promise<{ delivered: Promise<OverlayEvent> }> {
  let deliver!: (event: OverlayEvent) => void;
  const delivered = new Promise<OverlayEvent>((resolve) => (deliver = resolve));
  await log.subscribe(streamerId, (event) => deliver(event));
  return { delivered };
}

/** An id after `event`'s that the log never issued. */
function neverIssuedAfter(event: OverlayEvent): string {
  const [time, sequence] = event.id.split('-');
  return `${time}-${Number(sequence) + 99}`;
}

describe.each(BACKENDS)('OverlayEventLog contract on $name', (backend) => {
  let writer: OverlayEventLog;
  let reader: OverlayEventLog;
  let age: (ms: number) => Promise<void>;
  let stop: () => Promise<void>;

  beforeEach(async () => {
    ({ writer, reader, age, stop } = await backend.start());
  });

  afterEach(async () => {
    await stop?.();
  });

  it('delivers an appended event to the subscribers of its streamer only', async () => {
    const other: OverlayEvent[] = [];
    await reader.subscribe('other', (event) => other.push(event));
    const { delivered } = await firstEvent(reader, 's1');
    const appended = await writer.append('s1', sampleOverlayEvent('1'));
    const event = await within(delivered, 2000, 'delivery on the other instance');
    expect(event).toEqual(appended);
    expect(event.id).toMatch(/^\d+-\d+$/);
    expect(other).toEqual([]);
  });

  it('starts delivering for a newly subscribed streamer while already watching others', async () => {
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
    stops.forEach((unsubscribe) => unsubscribe());
    expect(reader.stats()).toEqual(before);
  });

  it('replays after an id and resets for ids aged out of the history or never issued', async () => {
    const old = await writer.append('s', sampleOverlayEvent('1'));
    const kept = await writer.append('s', sampleOverlayEvent('2'));
    await expect(writer.since('s', old.id)).resolves.toEqual([kept]);
    await expect(writer.since('s', kept.id)).resolves.toEqual([]);
    await expect(writer.since('s', neverIssuedAfter(kept))).resolves.toBe('reset');

    await age(SETTINGS.historyMaxAgeMs + 50);
    const fresh = await writer.append('s', sampleOverlayEvent('3'));
    await expect(writer.since('s', kept.id)).resolves.toBe('reset');
    await expect(writer.since('s', fresh.id)).resolves.toEqual([]);
  });
});

describe(RedisOverlayEventLog.name, () => {
  const config = testRedisConfig();
  let redis: RedisConnection;
  let sut: RedisOverlayEventLog;

  beforeAll(async () => {
    redis = await openRedis(config);
    sut = new RedisOverlayEventLog(redis, SETTINGS);
  });

  afterAll(async () => {
    await sut?.onApplicationShutdown();
    await redis?.close();
    await clearRedisPrefix(config.keyPrefix);
  });

  it('resets for a stream id older than the history and for an id that is no stream id', async () => {
    await sut.append('s', sampleOverlayEvent('1'));
    await expect(sut.since('s', '1-0')).resolves.toBe('reset');
    await expect(sut.since('s', '7')).resolves.toBe('reset');
  });
});

describe(MemoryOverlayEventLog.name, () => {
  const settings: OverlayConfig = {
    historySize: 3,
    historyMaxAgeMs: 1000,
    heartbeatMs: 15_000,
    alertDurationMs: 8000,
  };
  let clock: ManualClock;
  let sut: MemoryOverlayEventLog;

  beforeEach(() => {
    clock = new ManualClock(1_000_000);
    sut = new MemoryOverlayEventLog(settings, clock);
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
    const restarted = new MemoryOverlayEventLog(settings, clock);
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
