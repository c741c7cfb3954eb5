import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { RedisConnection } from '../redis';
import { EventBus, type BusHandler, type BusMessage, type Unsubscribe } from './event-bus';
import { HandlerRegistry } from './handler-registry';

/** Redis pub/sub: one subscriber connection per instance, one Redis subscription per topic with listeners. */
export class RedisEventBus extends EventBus implements OnApplicationShutdown {
  readonly transport = 'redis' as const;
  private readonly logger = new Logger(RedisEventBus.name);
  private readonly registry = new HandlerRegistry(this.logger);
  private readonly subscriber: Redis;
  private readonly channelPrefix: string;

  constructor(
    private readonly redis: RedisConnection,
    private readonly instanceId: string,
  ) {
    super();
    this.subscriber = redis.duplicate();
    this.channelPrefix = redis.key('bus', '');
    this.subscriber.on('message', (channel: string, raw: string) => this.receive(channel, raw));
  }

  async publish<T>(topic: string, payload: T): Promise<void> {
    const message: BusMessage<T> = { topic, payload, origin: this.instanceId, publishedAt: Date.now() };
    await this.redis.client!.publish(this.channelPrefix + topic, JSON.stringify(message));
  }

  async subscribe<T>(topic: string, handler: BusHandler<T>): Promise<Unsubscribe> {
    if (this.registry.add(topic, handler as BusHandler<unknown>)) {
      await this.subscriber.subscribe(this.channelPrefix + topic);
    }
    return async () => {
      if (this.registry.remove(topic, handler as BusHandler<unknown>)) {
        await this.subscriber.unsubscribe(this.channelPrefix + topic);
      }
    };
  }

  async onApplicationShutdown(): Promise<void> {
    const topics = this.registry.topics();
    if (topics.length > 0 && this.subscriber.status === 'ready') {
      await this.subscriber
        .unsubscribe(...topics.map((topic) => this.channelPrefix + topic))
        .catch(() => undefined);
    }
  }

  private receive(channel: string, raw: string): void {
    if (!channel.startsWith(this.channelPrefix)) {
      return;
    }
    try {
      this.registry.dispatch(JSON.parse(raw) as BusMessage<unknown>);
    } catch (error) {
      this.logger.warn(`Dropped a malformed message on ${channel}: ${(error as Error).message}`);
    }
  }
}
