export type OutboundErrorKind = 'auth' | 'rate-limited' | 'server' | 'client' | 'network' | 'malformed';

/** Errors of calls to the outside world (Twitch, DonationAlerts), classified for callers. */
export class OutboundHttpError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly body: unknown = undefined,
    readonly retryAfterMs: number | null = null,
    /** The answer came but could not be understood. */
    readonly malformed = false,
  ) {
    super(message);
    this.name = 'OutboundHttpError';
  }

  get kind(): OutboundErrorKind {
    if (this.malformed) {
      return 'malformed';
    }
    if (this.status === null) {
      return 'network';
    }
    if (this.status === 401) {
      return 'auth';
    }
    if (this.status === 429) {
      return 'rate-limited';
    }
    return this.status >= 500 ? 'server' : 'client';
  }
}

export interface JsonRequest {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** Sent as application/x-www-form-urlencoded. */
  form?: Record<string, string>;
  /** Sent as application/json. */
  json?: unknown;
  timeoutMs?: number;
  /** The clock an HTTP-date `Retry-After` is measured against. */
  now?: () => number;
}

function retryAfterMs(header: string | null, now: () => number): number | null {
  if (!header) {
    return null;
  }
  const seconds = Number(header);
  if (Number.isFinite(seconds)) {
    return Math.max(0, seconds * 1000);
  }
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, date - now());
}

/** One JSON request with a timeout; non-2xx answers, timeouts and network failures become OutboundHttpError. */
export async function requestJson<T>(url: string, request: JsonRequest = {}): Promise<T> {
  const {
    method = request.form || request.json !== undefined ? 'POST' : 'GET',
    headers = {},
    form,
    json,
    timeoutMs = 10_000,
    now = Date.now,
  } = request;
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: {
        accept: 'application/json',
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...(json !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: form
        ? new URLSearchParams(form).toString()
        : json !== undefined
          ? JSON.stringify(json)
          : undefined,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const reason =
      (error as Error).name === 'TimeoutError' ? `no answer in ${timeoutMs} ms` : (error as Error).message;
    throw new OutboundHttpError(`${method} ${new URL(url).host}${new URL(url).pathname}: ${reason}`, null);
  }
  const text = await response.text();
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    if (response.ok) {
      throw new OutboundHttpError(
        `${method} ${new URL(url).pathname}: malformed JSON answer`,
        response.status,
        text.slice(0, 200),
        null,
        true,
      );
    }
  }
  if (!response.ok) {
    throw new OutboundHttpError(
      `${method} ${new URL(url).host}${new URL(url).pathname} answered ${response.status}`,
      response.status,
      body,
      retryAfterMs(response.headers.get('retry-after'), now),
    );
  }
  return body as T;
}
