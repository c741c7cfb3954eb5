import { Logger } from '@nestjs/common';
import type { Clock } from '../clock';
import { EventBus, type BusHandler, type BusMessage, type Unsubscribe } from './event-bus';
import { HandlerRegistry } from './handler-registry';

/** Single-instance mode: messages go to this process's subscribers only. */
export class LocalEventBus extends EventBus {
  readonly transport = 'in-process' as const;
  private readonly registry = new HandlerRegistry(new Logger(LocalEventBus.name));

  constructor(
    private readonly instanceId: string,
    private readonly clock: Clock,
  ) {
    super();
  }

  /** Copies the payload at once, as serialising it for Redis would, then delivers on a later tick. */
  publish<T>(topic: string, payload: T): Promise<void> {
    let message: BusMessage<T>;
    try {
      message = {
        topic,
        payload: structuredClone(payload),
        origin: this.instanceId,
        publishedAt: this.clock.now(),
      };
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    setImmediate(() => this.registry.dispatch(message));
    return Promise.resolve();
  }

  subscribe<T>(topic: string, handler: BusHandler<T>): Promise<Unsubscribe> {
    this.registry.add(topic, handler as BusHandler<unknown>);
    return Promise.resolve(async () => {
      this.registry.remove(topic, handler as BusHandler<unknown>);
      return Promise.resolve();
    });
  }
}
