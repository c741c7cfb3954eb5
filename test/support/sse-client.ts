import { EventSource, type ErrorEvent, type FetchLike } from 'eventsource';

/**
 * The tests' Server-Sent Events client, in two views of one stream that record everything that arrives and wait
 * for more with a bound:
 * - `openSse`: one plain fetch connection parsed frame by frame, never reconnecting, to assert what an
 *   EventSource hides: the status and headers, each frame's `id:`, `retry:`, and comments (heartbeats);
 * - `EventSourceClient`: a real EventSource (the `eventsource` package, which follows the browser's rules:
 *   reconnecting after `retry:` with `Last-Event-ID`), recording every event, error and request it made.
 */

/** Waiters for what a stream delivers, woken on every arrival and failing once nothing more can come. */
class Arrivals {
  private readonly waiters = new Set<() => void>();

  constructor(
    /** Why nothing more can arrive, once that is so. */
    private readonly over: () => string | undefined,
    /** What to add to a failure, to explain it. */
    private readonly context: () => string = () => '',
  ) {}

  notify(): void {
    this.waiters.forEach((waiter) => waiter());
  }

  until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (condition()) {
          cleanup();
          resolve();
          return;
        }
        const over = this.over();
        if (over !== undefined) {
          cleanup();
          reject(new Error(`${over} before ${what}${this.context()}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${what} did not happen within ${timeoutMs} ms${this.context()}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Hands out `items` in order: each call gives the next ones not yet taken, waiting for them when needed. */
  cursor<T>(items: T[], name: string): Cursor<T> {
    let taken = 0;
    const take = async (count: number, timeoutMs = 5000): Promise<T[]> => {
      await this.until(() => items.length >= taken + count, timeoutMs, `${count} more ${name}`);
      taken += count;
      return items.slice(taken - count, taken);
    };
    return { take, next: async (timeoutMs) => (await take(1, timeoutMs))[0] };
  }
}

interface Cursor<T> {
  next(timeoutMs?: number): Promise<T>;
  take(count: number, timeoutMs?: number): Promise<T[]>;
}

/** One frame exactly as it came over the wire. */
export interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

export interface SseConnection {
  status: number;
  headers: Headers;
  retry?: number;
  comments: number;
  events: SseEvent[];
  /** The frame the stream opened with when it was the `snapshot` event asked for (kept out of `events`). */
  snapshot?: SseEvent;
  /** The next event not yet taken by `next`, waiting for it when needed. */
  next(timeoutMs?: number): Promise<SseEvent>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  /** Resolves once `count` comments (heartbeats) have arrived. */
  comment(count: number, timeoutMs?: number): Promise<void>;
  close(): void;
}

export interface SseOptions {
  /**
   * The event a stream opens with, outside the log (`settings` on the alert stream, `wall` with `?wall=1`): when
   * the first frame is that event it goes to `snapshot` instead of `events`.
   */
  snapshot?: string;
}

/** Opens one connection; resolves with the response (any status), its frames recorded as they arrive. */
export async function openSse(
  url: string,
  headers: Record<string, string> = {},
  { snapshot }: SseOptions = {},
): Promise<SseConnection> {
  const abort = new AbortController();
  const response = await fetch(url, {
    headers: { Accept: 'text/event-stream', ...headers },
    signal: abort.signal,
  });
  let done = false;
  const arrivals = new Arrivals(() => (done ? 'the stream ended' : undefined));
  const events: SseEvent[] = [];
  const cursor = arrivals.cursor(events, 'events');
  const connection: SseConnection = {
    status: response.status,
    headers: response.headers,
    comments: 0,
    events,
    ended: Promise.resolve(),
    next: cursor.next,
    comment: (count, timeoutMs = 5000) =>
      arrivals.until(() => connection.comments >= count, timeoutMs, `${count} comments`),
    close: () => abort.abort(),
  };

  if (response.status !== 200 || !response.body) {
    done = true;
    await response.body?.cancel();
    return connection;
  }
  const reader = response.body.getReader();
  connection.ended = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    let frame: { id?: string; event?: string; data: string[] } = { data: [] };
    let opened = false;
    try {
      for (;;) {
        const { value, done: finished } = await reader.read();
        if (finished) {
          break;
        }
        buffer += decoder.decode(value, { stream: true });
        let newline: number;
        while ((newline = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(newline + 1);
          if (line === '') {
            if (frame.data.length > 0 || frame.event !== undefined) {
              const event = { id: frame.id, event: frame.event ?? 'message', data: frame.data.join('\n') };
              if (!opened && snapshot !== undefined && event.event === snapshot) {
                connection.snapshot = event;
              } else {
                events.push(event);
              }
              opened = true;
            }
            frame = { data: [] };
          } else if (line.startsWith(':')) {
            connection.comments += 1;
          } else {
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'id') {
              frame.id = value;
            } else if (field === 'event') {
              frame.event = value;
            } else if (field === 'data') {
              frame.data.push(value);
            } else if (field === 'retry') {
              connection.retry = Number(value);
            }
          }
          arrivals.notify();
        }
      }
    } catch {
      // Aborted by close().
    } finally {
      done = true;
      arrivals.notify();
    }
  })();
  return connection;
}

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

/** A real EventSource on `url` that records every event, error and request, with waits bounded by a timeout. */
export class EventSourceClient {
  readonly events: ReceivedEvent[] = [];
  readonly errors: ConnectionError[] = [];
  /** The headers of every request the EventSource made: the first connection, then each reconnect. */
  readonly requests: Record<string, string>[] = [];
  opens = 0;
  private readonly source: EventSource;
  private readonly arrivals = new Arrivals(
    () => (this.source.readyState === EventSource.CLOSED ? 'the EventSource closed' : undefined),
    () => ` (errors: ${JSON.stringify(this.errors)})`,
  );
  private readonly received = this.arrivals.cursor(this.events, 'events');
  private readonly failures = this.arrivals.cursor(this.errors, 'error events');

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
      this.arrivals.notify();
    });
    this.source.addEventListener('error', (error: ErrorEvent) => {
      this.errors.push({ message: error.message, code: error.code, readyState: this.source.readyState });
      this.arrivals.notify();
    });
    for (const type of ['message', ...types]) {
      this.source.addEventListener(type, (event: MessageEvent) => {
        this.events.push({ type: event.type, lastEventId: event.lastEventId, data: event.data });
        this.arrivals.notify();
      });
    }
  }

  get readyState(): number {
    return this.source.readyState;
  }

  /** Resolves once `count` connections in all have opened. */
  opened(count = 1, timeoutMs = 5000): Promise<void> {
    return this.arrivals.until(() => this.opens >= count, timeoutMs, `connection ${count} to open`);
  }

  /** The next event not yet taken, waiting for it when needed. */
  next(timeoutMs = 5000): Promise<ReceivedEvent> {
    return this.received.next(timeoutMs);
  }

  /** The next `count` events not yet taken. */
  take(count: number, timeoutMs = 5000): Promise<ReceivedEvent[]> {
    return this.received.take(count, timeoutMs);
  }

  /** The next error not yet taken: the stream ending, a failed reconnect, or a refusal. */
  nextError(timeoutMs = 5000): Promise<ConnectionError> {
    return this.failures.next(timeoutMs);
  }

  close(): void {
    this.source.close();
    this.arrivals.notify();
  }
}
