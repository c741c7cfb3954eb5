import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { OverlayConfig } from '../../config';
import type { RedisConnection } from '../../libs/redis';
import {
  compareEventIds,
  isEventId,
  type NewOverlayEvent,
  type OverlayEvent,
  type OverlayListener,
} from './overlay-event';
import { OverlayEventLog, type Unsubscribe } from './overlay-event-log';

type StreamEntry = [id: string, fields: string[]];

interface Interest {
  /** The last entry id delivered (or seen when the interest began); XREAD continues after it. */
  cursor: string;
  listeners: Set<OverlayListener>;
}

const BLOCK_MS = 5000;
const RETRY_MS = 500;
const UNBLOCK_RETRY_MS = 5;

/**
 * One Redis Stream per streamer: its entry ids are the event ids, and XADD trims it by count and age. Live
 * delivery: one blocking XREAD loop per instance, on its own connection, over the streams of the streamers
 * that have open overlay streams here; it is woken (CLIENT UNBLOCK) when that set grows.
 */
export class RedisOverlayEventLog extends OverlayEventLog implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisOverlayEventLog.name);
  private readonly client: Redis;
  private readonly interests = new Map<string, Interest>();
  private reader?: Redis;
  private readerId?: number;
  private loop?: Promise<void>;
  private running = true;
  private wake?: () => void;
  /** Which pass of the read loop is running, and whether it is inside XREAD with the streams it had then. */
  private pass = 0;
  private reading = false;

  constructor(
    private readonly redis: RedisConnection,
    private readonly config: OverlayConfig,
  ) {
    super();
    this.client = redis.client!;
  }

  async append(streamerId: string, input: NewOverlayEvent): Promise<OverlayEvent> {
    const key = this.key(streamerId);
    const id = await this.client.xadd(
      key,
      'MAXLEN',
      '~',
      this.config.historySize,
      '*',
      'type',
      input.type,
      'data',
      JSON.stringify(input.data),
    );
    // MAXLEN and MINID cannot share one XADD. The age is measured on Redis' clock, which made the ids. The trim
    // is exact: an approximate one only drops whole 100-entry nodes, so a quiet streamer's history would never age out.
    const minId = Math.max(0, Number(id!.split('-')[0]) - this.config.historyMaxAgeMs);
    await this.client.xtrim(key, 'MINID', minId);
    return { id: id!, ...input };
  }

  async since(streamerId: string, lastId: string): Promise<OverlayEvent[] | 'reset'> {
    if (!isEventId(lastId) || !lastId.includes('-')) {
      return 'reset';
    }
    const key = this.key(streamerId);
    const seen = await this.client.xrange(key, lastId, lastId);
    if (seen.length === 0) {
      return 'reset';
    }
    const after = await this.client.xrange(key, `(${lastId}`, '+');
    return after.map((entry) => this.toEvent(entry));
  }

  async subscribe(streamerId: string, listener: OverlayListener): Promise<Unsubscribe> {
    let interest = this.interests.get(streamerId);
    let created = false;
    if (!interest) {
      const [last] = await this.client.xrevrange(this.key(streamerId), '+', '-', 'COUNT', 1);
      interest = this.interests.get(streamerId);
      if (!interest) {
        interest = { cursor: last?.[0] ?? '0-0', listeners: new Set() };
        this.interests.set(streamerId, interest);
        created = true;
      }
    }
    interest.listeners.add(listener);
    const current = interest;
    const unsubscribe = (): void => {
      current.listeners.delete(listener);
      if (current.listeners.size === 0 && this.interests.get(streamerId) === current) {
        this.interests.delete(streamerId);
      }
    };
    if (created) {
      try {
        await this.startOrWake();
      } catch (error) {
        unsubscribe();
        throw error;
      }
    }
    return unsubscribe;
  }

  stats(): { listeners: number; streamers: number } {
    let listeners = 0;
    for (const interest of this.interests.values()) {
      listeners += interest.listeners.size;
    }
    return { listeners, streamers: this.interests.size };
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    this.wake?.();
    this.reader?.disconnect();
    await this.loop;
  }

  private async startOrWake(): Promise<void> {
    if (!this.reader) {
      this.reader = this.redis.duplicate();
      // The reader blocks for seconds at a time; the shared command timeout would cut every XREAD short.
      this.reader.options.commandTimeout = undefined;
      this.readerId = Number(await this.reader.client('ID'));
      this.loop = this.readLoop(this.reader);
      return;
    }
    if (this.wake) {
      this.wake();
    } else if (this.reading) {
      void this.interrupt(this.pass).catch((error: Error) =>
        this.logger.warn(`Could not wake the overlay reader: ${error.message}`),
      );
    }
  }

  /**
   * Ends the current XREAD so the next one covers a new streamer. UNBLOCK can arrive before the XREAD it is
   * meant for, so it is repeated until it lands or the loop has moved on by itself.
   */
  private async interrupt(pass: number): Promise<void> {
    const giveUpAt = Date.now() + BLOCK_MS;
    while (this.running && this.reading && this.pass === pass && Date.now() < giveUpAt) {
      if (Number(await this.client.client('UNBLOCK', this.readerId!)) === 1) {
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, UNBLOCK_RETRY_MS));
    }
  }

  private async readLoop(reader: Redis): Promise<void> {
    while (this.running) {
      if (this.interests.size === 0) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        continue;
      }
      this.pass += 1;
      this.reading = true;
      const streamers = [...this.interests.keys()];
      const cursors = streamers.map((streamerId) => this.interests.get(streamerId)!.cursor);
      try {
        const replies = await reader.xread(
          'BLOCK',
          BLOCK_MS,
          'STREAMS',
          ...streamers.map((streamerId) => this.key(streamerId)),
          ...cursors,
        );
        this.reading = false;
        for (const [key, entries] of replies ?? []) {
          this.deliver(streamers[streamers.findIndex((id) => this.key(id) === key)], entries);
        }
      } catch (error) {
        this.reading = false;
        if (this.running) {
          this.logger.warn(`Overlay XREAD failed: ${(error as Error).message}`);
          await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
        }
      }
    }
  }

  private deliver(streamerId: string, entries: StreamEntry[]): void {
    const interest = this.interests.get(streamerId);
    if (!interest) {
      return;
    }
    for (const entry of entries) {
      if (compareEventIds(entry[0], interest.cursor) <= 0) {
        continue;
      }
      interest.cursor = entry[0];
      const event = this.toEvent(entry);
      for (const listener of interest.listeners) {
        listener(event);
      }
    }
  }

  private toEvent([id, fields]: StreamEntry): OverlayEvent {
    const values = new Map<string, string>();
    for (let i = 0; i + 1 < fields.length; i += 2) {
      values.set(fields[i], fields[i + 1]);
    }
    return {
      id,
      type: values.get('type'),
      data: JSON.parse(values.get('data') ?? '{}') as unknown,
    } as OverlayEvent;
  }

  private key(streamerId: string): string {
    return this.redis.key('overlay', streamerId);
  }
}
