import { EventSource, type ErrorEvent, type FetchLike } from 'eventsource';

/** One event as an EventSource hands it to the page. */
export interface ReceivedEvent {
  type: string;
  lastEventId: string;
  data: string;
}

/** An `error` the EventSource dispatched: `message` is unset when the server ended the stream cleanly. */
export interface ConnectionError {
  message?: string;
  code?: number;
  /** CONNECTING (0): it will reconnect by itself; CLOSED (2): it gave up. */
  readyState: number;
}

export interface EventSourceOptions {
  /** Sent on every request; the EventSource's own `Last-Event-ID` wins on reconnects. */
  headers?: Record<string, string>;
  /** Event types to record besides `message`. */
  types?: string[];
}

const OVERLAY_EVENT_TYPES = ['donation', 'test', 'reset'];

/**
 * A real EventSource (the `eventsource` package, which follows the browser's reconnect rules: `retry:`,
 * `Last-Event-ID`) that records every event, error and request, with waits bounded by a timeout.
 */
export class EventSourceClient {
  readonly events: ReceivedEvent[] = [];
  readonly errors: ConnectionError[] = [];
  /** The headers of every request the EventSource made: the first connection, then each reconnect. */
  readonly requests: Record<string, string>[] = [];
  opens = 0;
  private readonly source: EventSource;
  private readonly waiters = new Set<() => void>();
  private taken = 0;
  private errorsTaken = 0;

  constructor(
    readonly url: string,
    { headers = {}, types = OVERLAY_EVENT_TYPES }: EventSourceOptions = {},
  ) {
    const fetchWithHeaders: FetchLike = (input, init) => {
      const sent = { ...headers, ...init.headers };
      this.requests.push(sent);
      return fetch(input, { ...init, headers: sent });
    };
    this.source = new EventSource(url, { fetch: fetchWithHeaders });
    this.source.addEventListener('open', () => {
      this.opens += 1;
      this.notify();
    });
    this.source.addEventListener('error', (error: ErrorEvent) => {
      this.errors.push({ message: error.message, code: error.code, readyState: this.source.readyState });
      this.notify();
    });
    for (const type of ['message', ...types]) {
      this.source.addEventListener(type, (event: MessageEvent) => {
        this.events.push({ type: event.type, lastEventId: event.lastEventId, data: event.data });
        this.notify();
      });
    }
  }

  get readyState(): number {
    return this.source.readyState;
  }

  /** Resolves once `count` connections in all have opened. */
  opened(count = 1, timeoutMs = 5000): Promise<void> {
    return this.until(() => this.opens >= count, timeoutMs, `connection ${count} to open`);
  }

  /** The next event not yet taken, waiting for it when needed. */
  async next(timeoutMs = 5000): Promise<ReceivedEvent> {
    await this.until(() => this.events.length > this.taken, timeoutMs, 'the next event');
    return this.events[this.taken++];
  }

  /** The next `count` events not yet taken. */
  async take(count: number, timeoutMs = 5000): Promise<ReceivedEvent[]> {
    await this.until(() => this.events.length >= this.taken + count, timeoutMs, `${count} more events`);
    this.taken += count;
    return this.events.slice(this.taken - count, this.taken);
  }

  /** The next error not yet taken: the stream ending, a failed reconnect, or a refusal. */
  async nextError(timeoutMs = 5000): Promise<ConnectionError> {
    await this.until(() => this.errors.length > this.errorsTaken, timeoutMs, 'an error event');
    return this.errors[this.errorsTaken++];
  }

  close(): void {
    this.source.close();
    this.notify();
  }

  private notify(): void {
    this.waiters.forEach((waiter) => waiter());
  }

  private until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (condition()) {
          cleanup();
          resolve();
        } else if (this.source.readyState === EventSource.CLOSED) {
          cleanup();
          reject(new Error(`the EventSource closed before ${what} (errors: ${JSON.stringify(this.errors)})`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(`${what} did not happen within ${timeoutMs} ms (errors: ${JSON.stringify(this.errors)})`),
        );
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }
}
