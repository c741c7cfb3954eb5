import type { RedisConnection } from '../../libs/redis';

export interface RealtimeActivity {
  lastPushAt: number | null;
  reconnects: number;
}

/** Per streamer: when a push last arrived and how often the socket reconnected; shared by every instance. */
export abstract class RealtimeActivityStore {
  abstract pushed(streamerId: string, at: number): Promise<void>;
  abstract reconnected(streamerId: string): Promise<void>;
  abstract getMany(streamerIds: string[]): Promise<RealtimeActivity[]>;
}

export class RedisRealtimeActivityStore extends RealtimeActivityStore {
  constructor(private readonly redis: RedisConnection) {
    super();
  }

  async pushed(streamerId: string, at: number): Promise<void> {
    await this.redis.client!.hset(this.key(streamerId), 'lastPushAt', String(at));
  }

  async reconnected(streamerId: string): Promise<void> {
    await this.redis.client!.hincrby(this.key(streamerId), 'reconnects', 1);
  }

  async getMany(streamerIds: string[]): Promise<RealtimeActivity[]> {
    const pipeline = this.redis.client!.pipeline();
    for (const id of streamerIds) {
      pipeline.hmget(this.key(id), 'lastPushAt', 'reconnects');
    }
    const results = (await pipeline.exec()) ?? [];
    return results.map(([, value]) => {
      const [lastPushAt, reconnects] = (value as Array<string | null> | null) ?? [null, null];
      return {
        lastPushAt: lastPushAt === null ? null : Number(lastPushAt),
        reconnects: Number(reconnects ?? 0),
      };
    });
  }

  private key(streamerId: string): string {
    return this.redis.key('realtime-activity', streamerId);
  }
}

export class MemoryRealtimeActivityStore extends RealtimeActivityStore {
  private readonly byStreamer = new Map<string, RealtimeActivity>();

  pushed(streamerId: string, at: number): Promise<void> {
    this.byStreamer.set(streamerId, { ...this.of(streamerId), lastPushAt: at });
    return Promise.resolve();
  }

  reconnected(streamerId: string): Promise<void> {
    const current = this.of(streamerId);
    this.byStreamer.set(streamerId, { ...current, reconnects: current.reconnects + 1 });
    return Promise.resolve();
  }

  getMany(streamerIds: string[]): Promise<RealtimeActivity[]> {
    return Promise.resolve(streamerIds.map((id) => this.of(id)));
  }

  private of(streamerId: string): RealtimeActivity {
    return this.byStreamer.get(streamerId) ?? { lastPushAt: null, reconnects: 0 };
  }
}
