import type { OutboundErrorKind } from '../common';
import type { RedisConnection } from '../../libs/redis';

export type PollErrorKind = OutboundErrorKind | 'internal';

/** What the scheduler remembers about one streamer between polls, shared by every instance. */
export interface PollState {
  consecutiveErrors: number;
  totalErrors: number;
  errorsByKind: Partial<Record<PollErrorKind, number>>;
  lastPollAt: number | null;
  lastSuccessAt: number | null;
  lastError: string | null;
  lastResponseMs: number | null;
  /** Requests the next poll reserves up front: more than one after a poll found several pages to read. */
  requestsNeeded: number;
}

export const EMPTY_POLL_STATE: PollState = {
  consecutiveErrors: 0,
  totalErrors: 0,
  errorsByKind: {},
  lastPollAt: null,
  lastSuccessAt: null,
  lastError: null,
  lastResponseMs: null,
  requestsNeeded: 1,
};

export abstract class PollStateStore {
  abstract get(streamerId: string): Promise<PollState>;
  /** Many states in one round trip (stats for thousands of streamers). */
  abstract getMany(streamerIds: string[]): Promise<PollState[]>;
  abstract put(streamerId: string, state: PollState): Promise<void>;
  abstract remove(streamerId: string): Promise<void>;
}

export class RedisPollStateStore extends PollStateStore {
  constructor(private readonly redis: RedisConnection) {
    super();
  }

  async get(streamerId: string): Promise<PollState> {
    return (await this.getMany([streamerId]))[0];
  }

  async getMany(streamerIds: string[]): Promise<PollState[]> {
    if (streamerIds.length === 0) {
      return [];
    }
    const values = await this.redis.client!.mget(streamerIds.map((id) => this.key(id)));
    return values.map((value) =>
      value ? { ...EMPTY_POLL_STATE, ...(JSON.parse(value) as PollState) } : { ...EMPTY_POLL_STATE },
    );
  }

  async put(streamerId: string, state: PollState): Promise<void> {
    await this.redis.client!.set(this.key(streamerId), JSON.stringify(state));
  }

  async remove(streamerId: string): Promise<void> {
    await this.redis.client!.del(this.key(streamerId));
  }

  private key(streamerId: string): string {
    return this.redis.key('poll-state', streamerId);
  }
}

export class MemoryPollStateStore extends PollStateStore {
  private readonly states = new Map<string, PollState>();

  get(streamerId: string): Promise<PollState> {
    return Promise.resolve(structuredClone(this.states.get(streamerId) ?? EMPTY_POLL_STATE));
  }

  async getMany(streamerIds: string[]): Promise<PollState[]> {
    return Promise.all(streamerIds.map((id) => this.get(id)));
  }

  put(streamerId: string, state: PollState): Promise<void> {
    this.states.set(streamerId, structuredClone(state));
    return Promise.resolve();
  }

  remove(streamerId: string): Promise<void> {
    this.states.delete(streamerId);
    return Promise.resolve();
  }
}
