import type { RedisConnection } from '../../libs/redis';

export interface BotCounters {
  messagesSent: number;
  reconnects: number;
}

/** Per-streamer bot counters every instance can read (the owner changes on failover; the counts carry on). */
export abstract class BotCountersStore {
  abstract add(streamerId: string, counter: keyof BotCounters, by?: number): Promise<void>;
  abstract read(streamerIds: string[]): Promise<Map<string, BotCounters>>;
}

export class MemoryBotCountersStore extends BotCountersStore {
  private readonly counters = new Map<string, BotCounters>();

  add(streamerId: string, counter: keyof BotCounters, by = 1): Promise<void> {
    const current = this.counters.get(streamerId) ?? { messagesSent: 0, reconnects: 0 };
    this.counters.set(streamerId, { ...current, [counter]: current[counter] + by });
    return Promise.resolve();
  }

  read(streamerIds: string[]): Promise<Map<string, BotCounters>> {
    return Promise.resolve(
      new Map(streamerIds.map((id) => [id, this.counters.get(id) ?? { messagesSent: 0, reconnects: 0 }])),
    );
  }
}

/** `bots:counters:<streamerId>`: a hash with one field per counter. */
export class RedisBotCountersStore extends BotCountersStore {
  constructor(private readonly redis: RedisConnection) {
    super();
  }

  async add(streamerId: string, counter: keyof BotCounters, by = 1): Promise<void> {
    await this.redis.client!.hincrby(this.key(streamerId), counter, by);
  }

  async read(streamerIds: string[]): Promise<Map<string, BotCounters>> {
    const pipeline = this.redis.client!.pipeline();
    streamerIds.forEach((id) => pipeline.hmget(this.key(id), 'messagesSent', 'reconnects'));
    const results = (await pipeline.exec()) ?? [];
    return new Map(
      streamerIds.map((id, index) => {
        const [sent, reconnects] = (results[index]?.[1] as Array<string | null> | undefined) ?? [];
        return [id, { messagesSent: Number(sent ?? 0), reconnects: Number(reconnects ?? 0) }];
      }),
    );
  }

  private key(streamerId: string): string {
    return this.redis.key('bots', 'counters', streamerId);
  }
}
