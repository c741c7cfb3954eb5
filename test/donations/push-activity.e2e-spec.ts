import { Clock } from '../../libs/clock';
import type { RedisConnection } from '../../libs/redis';
import { MemoryPushActivity, PushActivity, RedisPushActivity } from '../../src/donations/push-activity';
import { ManualClock } from '../support/manual-clock';
import { clearRedisPrefix, openRedis, testRedisConfig } from '../support/redis';

const MINUTE = 60_000;

interface Backend {
  kind: 'memory' | 'redis';
  open(clock: Clock): Promise<{ activity: PushActivity; close(): Promise<void> }>;
}

const BACKENDS: Backend[] = [
  {
    kind: 'memory',
    open: (clock) =>
      Promise.resolve({ activity: new MemoryPushActivity(clock), close: () => Promise.resolve() }),
  },
  {
    kind: 'redis',
    open: async (clock) => {
      const config = testRedisConfig();
      const redis: RedisConnection = await openRedis(config);
      return {
        activity: new RedisPushActivity(redis, clock),
        close: async () => {
          await clearRedisPrefix(config.keyPrefix);
          await redis.close();
        },
      };
    },
  },
];

describe(PushActivity.name, () => {
  describe.each(BACKENDS)('with the $kind backend', (backend) => {
    let clock: ManualClock;
    let activity: PushActivity;
    let close: () => Promise<void>;
    let streamerCounter = 0;
    const nextStreamer = (): string => `streamer-${++streamerCounter}`;

    beforeAll(async () => {
      clock = new ManualClock();
      ({ activity, close } = await backend.open(clock));
    });

    afterAll(async () => {
      await close?.();
    });

    it('knows no push source for a streamer nobody reported', async () => {
      const streamerId = nextStreamer();

      await expect(activity.isActive(streamerId)).resolves.toBe(false);
      await expect(activity.activeSource(streamerId)).resolves.toBeNull();
    });

    it.each(['webhook', 'realtime'] as const)(
      'counts %s as active until the deadline, not after',
      async (source) => {
        const streamerId = nextStreamer();
        await activity.markActive(streamerId, source, clock.now() + 5 * MINUTE);

        await expect(activity.isActive(streamerId)).resolves.toBe(true);
        await expect(activity.activeSource(streamerId)).resolves.toBe(source);
        clock.advance(5 * MINUTE - 1);
        await expect(activity.isActive(streamerId)).resolves.toBe(true);
        clock.advance(1);
        await expect(activity.isActive(streamerId)).resolves.toBe(false);
        await expect(activity.activeSource(streamerId)).resolves.toBeNull();
      },
    );

    it('moves the deadline with each report', async () => {
      const streamerId = nextStreamer();
      await activity.markActive(streamerId, 'webhook', clock.now() + MINUTE);
      clock.advance(MINUTE / 2);
      await activity.markActive(streamerId, 'webhook', clock.now() + MINUTE);

      clock.advance(MINUTE / 2 + 1);

      await expect(activity.activeSource(streamerId)).resolves.toBe('webhook');
    });

    it('keeps the sources apart and names the one active longest first', async () => {
      const streamerId = nextStreamer();
      await activity.markActive(streamerId, 'webhook', clock.now() + MINUTE);
      await activity.markActive(streamerId, 'realtime', clock.now() + 2 * MINUTE);

      await expect(activity.activeSources([streamerId])).resolves.toEqual([['realtime', 'webhook']]);
      clock.advance(MINUTE);
      await expect(activity.activeSources([streamerId])).resolves.toEqual([['realtime']]);
      clock.advance(MINUTE);
      await expect(activity.activeSources([streamerId])).resolves.toEqual([[]]);
    });

    it('keeps streamers apart and answers for many at once, in order', async () => {
      const [a, b, c] = [nextStreamer(), nextStreamer(), nextStreamer()];
      await activity.markActive(a, 'realtime', clock.now() + MINUTE);
      await activity.markActive(c, 'webhook', clock.now() + MINUTE);

      await expect(activity.activeSources([a, b, c])).resolves.toEqual([['realtime'], [], ['webhook']]);
      await expect(activity.activeSources([])).resolves.toEqual([]);
    });

    it('treats a deadline already past as inactive', async () => {
      const streamerId = nextStreamer();
      await activity.markActive(streamerId, 'webhook', clock.now() - 1);

      await expect(activity.isActive(streamerId)).resolves.toBe(false);
    });
  });
});
