/**
 * A minimal Server-Sent Events client over fetch streaming (the `eventsource` package is not installed here):
 * it parses frames as a browser does and exposes every event and comment, so tests can assert ids, `retry:`
 * and heartbeats that an EventSource would hide.
 */
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
  /** The next event not yet taken by `next`, waiting for it when needed. */
  next(timeoutMs?: number): Promise<SseEvent>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  /** Resolves once `count` comments (heartbeats) have arrived. */
  comment(count: number, timeoutMs?: number): Promise<void>;
  close(): void;
}

export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseConnection> {
  const abort = new AbortController();
  const response = await fetch(url, {
    headers: { Accept: 'text/event-stream', ...headers },
    signal: abort.signal,
  });
  const waiters = new Set<() => void>();
  const notify = (): void => waiters.forEach((waiter) => waiter());
  let taken = 0;
  let done = false;

  const connection: SseConnection = {
    status: response.status,
    headers: response.headers,
    comments: 0,
    events: [],
    ended: Promise.resolve(),
    next: (timeoutMs = 5000) =>
      until(() => connection.events.length > taken, timeoutMs, 'next SSE event').then(
        () => connection.events[taken++],
      ),
    comment: (count, timeoutMs = 5000) =>
      until(() => connection.comments >= count, timeoutMs, `${count} comments`),
    close: () => abort.abort(),
  };

  function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (condition()) {
          cleanup();
          resolve();
        } else if (done) {
          cleanup();
          reject(new Error(`stream ended before ${what}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${what} did not arrive within ${timeoutMs} ms`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  }

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
              connection.events.push({
                id: frame.id,
                event: frame.event ?? 'message',
                data: frame.data.join('\n'),
              });
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
          notify();
        }
      }
    } catch {
      // Aborted by close().
    } finally {
      done = true;
      notify();
    }
  })();
  return connection;
}
