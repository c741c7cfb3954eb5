import { Logger } from '@nestjs/common';
import type { BusHandler, BusMessage } from './event-bus';

/** Topic → handlers bookkeeping shared by both transports; a failing handler never stops the others. */
export class HandlerRegistry {
  private readonly handlers = new Map<string, Set<BusHandler<unknown>>>();

  constructor(private readonly logger: Logger) {}

  /** Adds the handler; true when it is the topic's first. */
  add(topic: string, handler: BusHandler<unknown>): boolean {
    const set = this.handlers.get(topic) ?? new Set();
    set.add(handler);
    this.handlers.set(topic, set);
    return set.size === 1;
  }

  /** Removes the handler; true when the topic has none left. */
  remove(topic: string, handler: BusHandler<unknown>): boolean {
    const set = this.handlers.get(topic);
    if (!set?.delete(handler)) {
      return false;
    }
    if (set.size === 0) {
      this.handlers.delete(topic);
      return true;
    }
    return false;
  }

  topics(): string[] {
    return [...this.handlers.keys()];
  }

  dispatch(message: BusMessage<unknown>): void {
    for (const handler of this.handlers.get(message.topic) ?? []) {
      Promise.resolve()
        .then(() => handler(message))
        .catch((error: Error) =>
          this.logger.error(`Handler for "${message.topic}" failed: ${error.message}`, error.stack),
        );
    }
  }
}
