import type { Clock } from '../../libs/clock';
import type { RedisConnection } from '../../libs/redis';

/** A channel that pushes donations to us, so polling is only a safety net while it delivers. */
export type PushSource = 'webhook' | 'realtime';

export const PUSH_SOURCES: readonly PushSource[] = ['webhook', 'realtime'];

/** Until when each push source of one streamer counts as active (ms since the epoch, the injected clock's). */
export type PushDeadlines = Partial<Record<PushSource, number>>;

/**
 * Which push sources delivered for a streamer recently enough to count as working, shared by every instance
 * (Redis; in memory in single-instance mode). The sources report; the scheduler and the stats read.
 */
export abstract class PushActivity {
  constructor(protected readonly clock: Clock) {}

  /** `source` delivered for the streamer: it counts as active until `until`. */
  abstract markActive(streamerId: string, source: PushSource, until: number): Promise<void>;

  /** Each streamer's deadlines, in one round trip (stats for thousands of streamers). */
  protected abstract deadlines(streamerIds: string[]): Promise<PushDeadlines[]>;

  async isActive(streamerId: string): Promise<boolean> {
    return (await this.activeSource(streamerId)) !== null;
  }

  /** The active source that stays active longest, or null when none is. */
  async activeSource(streamerId: string): Promise<PushSource | null> {
    const [sources] = await this.activeSources([streamerId]);
    return sources[0] ?? null;
  }

  /** Per streamer, the sources active now, the one that stays active longest first. */
  async activeSources(streamerIds: string[]): Promise<PushSource[][]> {
    if (streamerIds.length === 0) {
      return [];
    }
    const now = this.clock.now();
    return (await this.deadlines(streamerIds)).map((deadlines) =>
      PUSH_SOURCES.filter((source) => (deadlines[source] ?? Number.NEGATIVE_INFINITY) > now).sort(
        (a, b) => deadlines[b]! - deadlines[a]!,
      ),
    );
  }
}

/**
 * One key per streamer and source holding its deadline. The key also expires when the deadline passes (by
 * Redis' clock), so streamers whose source went quiet leave nothing behind; the stored deadline, compared with
 * the injected clock, is what decides.
 */
export class RedisPushActivity extends PushActivity {
  constructor(
    private readonly redis: RedisConnection,
    clock: Clock,
  ) {
    super(clock);
  }

  async markActive(streamerId: string, source: PushSource, until: number): Promise<void> {
    const ttlMs = Math.max(1, until - this.clock.now());
    await this.redis.client!.set(this.key(streamerId, source), String(until), 'PX', ttlMs);
  }

  protected async deadlines(streamerIds: string[]): Promise<PushDeadlines[]> {
    const keys = streamerIds.flatMap((id) => PUSH_SOURCES.map((source) => this.key(id, source)));
    const values = await this.redis.client!.mget(keys);
    return streamerIds.map((_id, i) => {
      const deadlines: PushDeadlines = {};
      PUSH_SOURCES.forEach((source, j) => {
        const value = values[i * PUSH_SOURCES.length + j];
        if (value !== null) {
          deadlines[source] = Number(value);
        }
      });
      return deadlines;
    });
  }

  private key(streamerId: string, source: PushSource): string {
    return this.redis.key('push-activity', streamerId, source);
  }
}

export class MemoryPushActivity extends PushActivity {
  private readonly byStreamer = new Map<string, PushDeadlines>();

  markActive(streamerId: string, source: PushSource, until: number): Promise<void> {
    this.byStreamer.set(streamerId, { ...this.byStreamer.get(streamerId), [source]: until });
    return Promise.resolve();
  }

  protected deadlines(streamerIds: string[]): Promise<PushDeadlines[]> {
    return Promise.resolve(streamerIds.map((id) => ({ ...this.byStreamer.get(id) })));
  }
}
