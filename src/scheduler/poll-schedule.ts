import { RedisScript, type RedisConnection } from '../../libs/redis';

export interface ScheduledStreamer {
  streamerId: string;
  dueAt: number;
}

/**
 * When each streamer is next due for a poll, shared by every instance (a Redis sorted set; in memory in
 * single-instance mode). Instances take work by claiming due streamers, longest-waiting first.
 */
export abstract class PollSchedule {
  /** Adds the streamer, due at `dueAt`, unless it is already scheduled. */
  abstract add(streamerId: string, dueAt: number): Promise<boolean>;
  abstract remove(streamerId: string): Promise<void>;
  abstract setDue(streamerId: string, dueAt: number): Promise<void>;
  /**
   * Takes up to `limit` streamers due by `now`, most overdue first, and pushes them `holdMs` ahead so no other
   * instance takes them while they are polled (the poll then sets the real next time).
   */
  abstract claimDue(now: number, limit: number, holdMs: number): Promise<ScheduledStreamer[]>;
  abstract all(): Promise<ScheduledStreamer[]>;
  abstract has(streamerId: string): Promise<boolean>;
  abstract size(): Promise<number>;
}

const CLAIM_DUE = new RedisScript(`
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))
for i = 1, #due, 2 do
  redis.call('ZADD', KEYS[1], 'XX', tonumber(ARGV[1]) + tonumber(ARGV[3]), due[i])
end
return due
`);

export class RedisPollSchedule extends PollSchedule {
  private readonly key: string;

  constructor(private readonly redis: RedisConnection) {
    super();
    this.key = redis.key('schedule', 'donationalerts');
  }

  async add(streamerId: string, dueAt: number): Promise<boolean> {
    return (await this.redis.client!.zadd(this.key, 'NX', dueAt, streamerId)) === 1;
  }

  async remove(streamerId: string): Promise<void> {
    await this.redis.client!.zrem(this.key, streamerId);
  }

  async setDue(streamerId: string, dueAt: number): Promise<void> {
    await this.redis.client!.zadd(this.key, 'XX', dueAt, streamerId);
  }

  async claimDue(now: number, limit: number, holdMs: number): Promise<ScheduledStreamer[]> {
    if (limit <= 0) {
      return [];
    }
    const flat = (await CLAIM_DUE.run(this.redis.client!, [this.key], [now, limit, holdMs])) as string[];
    return pairs(flat);
  }

  async all(): Promise<ScheduledStreamer[]> {
    return pairs(await this.redis.client!.zrange(this.key, 0, -1, 'WITHSCORES'));
  }

  async has(streamerId: string): Promise<boolean> {
    return (await this.redis.client!.zscore(this.key, streamerId)) !== null;
  }

  size(): Promise<number> {
    return this.redis.client!.zcard(this.key);
  }
}

function pairs(flat: string[]): ScheduledStreamer[] {
  const result: ScheduledStreamer[] = [];
  for (let i = 0; i < flat.length; i += 2) {
    result.push({ streamerId: flat[i], dueAt: Number(flat[i + 1]) });
  }
  return result;
}

export class MemoryPollSchedule extends PollSchedule {
  private readonly due = new Map<string, number>();

  add(streamerId: string, dueAt: number): Promise<boolean> {
    if (this.due.has(streamerId)) {
      return Promise.resolve(false);
    }
    this.due.set(streamerId, dueAt);
    return Promise.resolve(true);
  }

  remove(streamerId: string): Promise<void> {
    this.due.delete(streamerId);
    return Promise.resolve();
  }

  setDue(streamerId: string, dueAt: number): Promise<void> {
    if (this.due.has(streamerId)) {
      this.due.set(streamerId, dueAt);
    }
    return Promise.resolve();
  }

  async claimDue(now: number, limit: number, holdMs: number): Promise<ScheduledStreamer[]> {
    const claimed = (await this.all()).filter(({ dueAt }) => dueAt <= now).slice(0, Math.max(0, limit));
    for (const { streamerId } of claimed) {
      this.due.set(streamerId, now + holdMs);
    }
    return claimed;
  }

  all(): Promise<ScheduledStreamer[]> {
    return Promise.resolve(
      [...this.due].map(([streamerId, dueAt]) => ({ streamerId, dueAt })).sort((a, b) => a.dueAt - b.dueAt),
    );
  }

  has(streamerId: string): Promise<boolean> {
    return Promise.resolve(this.due.has(streamerId));
  }

  size(): Promise<number> {
    return Promise.resolve(this.due.size);
  }
}
