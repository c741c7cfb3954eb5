export interface BusMessage<T> {
  topic: string;
  payload: T;
  /** The instance that published it. */
  origin: string;
  publishedAt: number;
}

export type BusHandler<T> = (message: BusMessage<T>) => void | Promise<void>;
export type Unsubscribe = () => Promise<void>;

/**
 * Domain events between instances: Redis pub/sub when Redis is configured, in-process otherwise. Every
 * subscriber, including ones on the publishing instance, receives each message once.
 */
export abstract class EventBus {
  abstract readonly transport: 'redis' | 'in-process';
  abstract publish<T>(topic: string, payload: T): Promise<void>;
  abstract subscribe<T>(topic: string, handler: BusHandler<T>): Promise<Unsubscribe>;
}
