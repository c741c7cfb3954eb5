import { AvatarCache, MemoryAvatarCache, RedisAvatarCache } from '../../src/overlay/avatar-cache';
import {
  MemoryAvatarWallStore,
  RedisAvatarWallStore,
  type AvatarWallStore,
  type ChatterIdentity,
} from '../../src/overlay/avatar-wall.store';
import { ManualClock } from '../support/manual-clock';
import { openRedisInstances } from '../support/redis';
import { waitFor } from '../support/waiting';

const IDLE_MS = 60_000;
const LIMITS = { max: 3, idleMs: IDLE_MS };
const T0 = 1_700_000_000_000;

function viewer(n: number, displayName = `Viewer${n}`): ChatterIdentity {
  return { userId: `u${n}`, login: `viewer${n}`, displayName };
}

/** Two instances' views of one backend: on Redis, one connection each; in memory, the same object. */
interface Backend<T> {
  name: string;
  start(clock: ManualClock): Promise<{ a: T; b: T; stop(): Promise<void> }>;
}

function backends<T>(
  memory: { name: string; create: (clock: ManualClock) => T },
  redis: { name: string; create: (connection: import('../../libs/redis').RedisConnection) => T },
): Array<Backend<T>> {
  return [
    {
      name: memory.name,
      start: (clock) => {
        const one = memory.create(clock);
        return Promise.resolve({ a: one, b: one, stop: () => Promise.resolve() });
      },
    },
    {
      name: redis.name,
      start: async () => {
        const instances = await openRedisInstances(2);
        return {
          a: redis.create(instances.connections[0]),
          b: redis.create(instances.connections[1]),
          stop: instances.close,
        };
      },
    },
  ];
}

const WALL_BACKENDS = backends<AvatarWallStore>(
  { name: MemoryAvatarWallStore.name, create: () => new MemoryAvatarWallStore() },
  { name: RedisAvatarWallStore.name, create: (redis) => new RedisAvatarWallStore(redis) },
);

describe.each(WALL_BACKENDS)('AvatarWallStore contract on $name', (backend) => {
  let a: AvatarWallStore;
  let b: AvatarWallStore;
  let stop: () => Promise<void>;
  let streamerSeq = 0;
  let streamer: string;

  beforeAll(async () => {
    ({ a, b, stop } = await backend.start(new ManualClock(T0)));
  });

  beforeEach(() => {
    streamerSeq += 1;
    streamer = `s${streamerSeq}`;
  });

  afterAll(async () => {
    await stop?.();
  });

  it('reports a join once, keeps the viewer with a pending avatar, and shows them on every instance', async () => {
    const first = await a.touch(streamer, viewer(1), T0, LIMITS);
    const again = await b.touch(streamer, viewer(1), T0 + 10, LIMITS);

    expect(first).toEqual({ joined: true, before: undefined, left: [] });
    expect(again).toEqual({
      joined: false,
      before: { identity: viewer(1), avatar: { status: 'pending', url: null, at: T0 } },
      left: [],
    });
    await expect(b.wall(streamer, T0 + 10, IDLE_MS)).resolves.toEqual([
      { ...viewer(1), avatar: { status: 'pending', url: null, at: T0 }, lastSeenAt: T0 + 10 },
    ]);
    await expect(a.wall('someone-else', T0 + 10, IDLE_MS)).resolves.toEqual([]);
  });

  it('stores an avatar for a viewer on the wall, and refuses one for a viewer who left', async () => {
    await a.touch(streamer, viewer(1), T0, LIMITS);
    const avatar = { status: 'resolved' as const, url: 'https://cdn/u1.png', at: T0 + 5 };

    await expect(b.setAvatar(streamer, 'u1', avatar)).resolves.toEqual({
      ...viewer(1),
      avatar,
      lastSeenAt: T0,
    });
    await expect(a.setAvatar(streamer, 'u2', avatar)).resolves.toBeNull();
    const later = await a.touch(streamer, viewer(1, 'Renamed'), T0 + 20, LIMITS);
    expect(later.before).toEqual({ identity: viewer(1), avatar });
    const [entry] = await a.wall(streamer, T0 + 20, IDLE_MS);
    expect(entry).toEqual({ ...viewer(1, 'Renamed'), avatar, lastSeenAt: T0 + 20 });
  });

  it('keeps the max most recent viewers: a newcomer pushes off the least recently seen', async () => {
    await a.touch(streamer, viewer(1), T0, LIMITS);
    await a.touch(streamer, viewer(2), T0 + 1, LIMITS);
    await a.touch(streamer, viewer(3), T0 + 2, LIMITS);
    await a.touch(streamer, viewer(1), T0 + 3, LIMITS);

    const outcome = await b.touch(streamer, viewer(4), T0 + 4, LIMITS);

    expect(outcome).toEqual({
      joined: true,
      before: undefined,
      left: [{ userId: 'u2', reason: 'replaced' }],
    });
    const wall = await a.wall(streamer, T0 + 4, IDLE_MS);
    expect(wall.map((entry) => entry.userId)).toEqual(['u3', 'u1', 'u4']);
    await expect(a.count(streamer, T0 + 4, IDLE_MS)).resolves.toBe(3);
    expect((await a.touch(streamer, viewer(2), T0 + 5, LIMITS)).joined).toBe(true);
  });

  it('lets viewers silent for the idle time leave, reported once by the line or the sweep that removes them', async () => {
    await a.touch(streamer, viewer(1), T0, LIMITS);
    await a.touch(streamer, viewer(2), T0 + 1000, LIMITS);

    await expect(a.wall(streamer, T0 + IDLE_MS, IDLE_MS)).resolves.toEqual([
      expect.objectContaining({ userId: 'u2' }),
    ]);
    const line = await b.touch(streamer, viewer(3), T0 + IDLE_MS, LIMITS);
    expect(line.left).toEqual([{ userId: 'u1', reason: 'idle' }]);

    const sweptEarly = await a.sweep(T0 + IDLE_MS + 999, IDLE_MS);
    expect(sweptEarly.filter((left) => left.streamerId === streamer)).toEqual([]);
    const [first, second] = await Promise.all([
      a.sweep(T0 + IDLE_MS + 1000, IDLE_MS),
      b.sweep(T0 + IDLE_MS + 1000, IDLE_MS),
    ]);
    expect([...first, ...second].filter((left) => left.streamerId === streamer)).toEqual([
      { streamerId: streamer, userId: 'u2' },
    ]);
    await expect(a.count(streamer, T0 + IDLE_MS + 1000, IDLE_MS)).resolves.toBe(1);
    expect((await a.touch(streamer, viewer(2), T0 + IDLE_MS + 2000, LIMITS)).joined).toBe(true);
  });

  it('reports each departure once when lines of new viewers race on two instances', async () => {
    for (let n = 1; n <= 3; n++) {
      await a.touch(streamer, viewer(n), T0 + n, LIMITS);
    }
    const outcomes = await Promise.all(
      [4, 5, 6, 7].map((n, i) => (i % 2 === 0 ? a : b).touch(streamer, viewer(n), T0 + 10 + n, LIMITS)),
    );

    const left = outcomes.flatMap((outcome) => outcome.left.map((departure) => departure.userId)).sort();
    expect(left).toEqual(['u1', 'u2', 'u3', 'u4']);
    await expect(a.count(streamer, T0 + 20, IDLE_MS)).resolves.toBe(3);
  });
});

const CACHE_BACKENDS = backends<AvatarCache>(
  { name: MemoryAvatarCache.name, create: (clock) => new MemoryAvatarCache(clock) },
  { name: RedisAvatarCache.name, create: (redis) => new RedisAvatarCache(redis) },
);

describe.each(CACHE_BACKENDS)('AvatarCache contract on $name', (backend) => {
  let a: AvatarCache;
  let b: AvatarCache;
  let stop: () => Promise<void>;
  const clock = new ManualClock(T0);

  beforeAll(async () => {
    ({ a, b, stop } = await backend.start(clock));
  });

  afterAll(async () => {
    await stop?.();
  });

  it('answers cached URLs and known misses on every instance, and leaves uncached ids out', async () => {
    await a.set(
      new Map([
        ['c1', 'https://cdn/c1.png'],
        ['c2', null],
      ]),
      60_000,
    );

    const found = await b.get(['c1', 'c2', 'c3']);

    expect([...found]).toEqual([
      ['c1', 'https://cdn/c1.png'],
      ['c2', null],
    ]);
    await expect(b.get([])).resolves.toEqual(new Map());
  });

  it('forgets an entry after its TTL', async () => {
    await a.set(new Map([['e1', 'https://cdn/e1.png']]), 50);
    clock.advance(50);

    // Redis expires keys on its own clock, which the test cannot move.
    await waitFor(async () => (await b.get(['e1'])).size === 0, { what: 'the entry to expire' });
  });
});
