import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { Clock } from '../clock';
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
  private readonly pendingCommands = new Map<string, Promise<void>>();

  constructor(
    private readonly redis: RedisConnection,
    private readonly instanceId: string,
    private readonly clock: Clock,
  ) {
    super();
    this.subscriber = redis.duplicate();
    this.channelPrefix = redis.key('bus', '');
    this.subscriber.on('message', (channel: string, raw: string) => this.receive(channel, raw));
  }

  async publish<T>(topic: string, payload: T): Promise<void> {
    const message: BusMessage<T> = { topic, payload, origin: this.instanceId, publishedAt: this.clock.now() };
    await this.redis.client!.publish(this.channelPrefix + topic, JSON.stringify(message));
  }

  async subscribe<T>(topic: string, handler: BusHandler<T>): Promise<Unsubscribe> {
    const first = this.registry.add(topic, handler as BusHandler<unknown>);
    await this.inOrder(topic, () =>
      first ? this.subscriber.subscribe(this.channelPrefix + topic) : undefined,
    );
    return async () => {
      const last = this.registry.remove(topic, handler as BusHandler<unknown>);
      await this.inOrder(topic, () =>
        last ? this.subscriber.unsubscribe(this.channelPrefix + topic) : undefined,
      );
    };
  }

  /**
   * Runs a topic's SUBSCRIBE/UNSUBSCRIBE commands one after another, and makes every caller wait for the ones
   * before it: a second handler's subscribe() must not resolve while the first SUBSCRIBE is still in flight.
   */
  private inOrder(topic: string, command: () => Promise<unknown> | undefined): Promise<void> {
    const previous = this.pendingCommands.get(topic) ?? Promise.resolve();
    const next = previous.then(command).then(() => undefined);
    const settled = next.catch(() => undefined);
    this.pendingCommands.set(topic, settled);
    void settled.then(() => {
      if (this.pendingCommands.get(topic) === settled) {
        this.pendingCommands.delete(topic);
      }
    });
    return next;
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
