import { Logger } from '@nestjs/common';
import { EventBus, type BusHandler, type Unsubscribe } from './event-bus';
import { HandlerRegistry } from './handler-registry';

/** Single-instance mode: messages go to this process's subscribers only. */
export class LocalEventBus extends EventBus {
  readonly transport = 'in-process' as const;
  private readonly registry = new HandlerRegistry(new Logger(LocalEventBus.name));

  constructor(private readonly instanceId: string) {
    super();
  }

  publish<T>(topic: string, payload: T): Promise<void> {
    const message = { topic, payload, origin: this.instanceId, publishedAt: Date.now() };
    setImmediate(() => this.registry.dispatch(structuredClone(message)));
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
