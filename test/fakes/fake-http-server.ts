import { once } from 'node:events';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

/** One request as a fake's route sees it: the query and the body (form or JSON) merged into `params`. */
export interface FakeRequest {
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  /** Query parameters, overridden by body parameters (form-encoded or a flat JSON object). */
  params: Record<string, string | undefined>;
  body: string;
  /** Aborts when the exchange ends: after the answer, or before it when the client gives up or the fake closes. */
  signal: AbortSignal;
}

/** What a route answers: a JSON body (`json`) or a plain one (`text`), with extra headers. */
export interface FakeReply {
  status: number;
  json?: unknown;
  text?: string;
  headers?: Record<string, string | string[]>;
}

/** Every request a fake received, in order, including those answered by an injected fault. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  params: Record<string, string | undefined>;
  at: Date;
}

export type FakeHandler = (request: FakeRequest) => FakeReply | Promise<FakeReply>;

export function jsonReply(
  status: number,
  json: unknown,
  headers: Record<string, string | string[]> = {},
): FakeReply {
  return { status, json, headers };
}

/**
 * Never answers: rejects once the client gives up or the fake closes (either way the connection is already
 * gone), so a route can play a server that holds the socket open forever.
 */
export function neverAnswer(request: FakeRequest): Promise<never> {
  return new Promise<never>((_, reject) => {
    const gone = (): void => reject(new Error('the connection closed before an answer'));
    if (request.signal.aborted) {
      gone();
    } else {
      request.signal.addEventListener('abort', gone, { once: true });
    }
  });
}

export function redirectReply(location: string): FakeReply {
  return { status: 302, headers: { location } };
}

/** The value of an `Authorization: <scheme> <token>` header, when the scheme is one of `schemes`. */
export function credentialsOf(request: FakeRequest, schemes: string[]): string | undefined {
  const match = /^(\S+)\s+(\S+)$/.exec(request.headers.authorization ?? '');
  if (!match || !schemes.some((scheme) => scheme.toLowerCase() === match[1].toLowerCase())) {
    return undefined;
  }
  return match[2];
}

interface Fault {
  method: string;
  path: string;
  reply: FakeReply;
  remaining: number;
}

/**
 * The HTTP core every fake shares: exact method + path routing, body parsing, a request log, injected faults
 * and a close that cuts every socket. A fake registers its routes on it and adds its own state on top.
 */
export class FakeHttpServer {
  readonly requests: RecordedRequest[] = [];
  private readonly routes = new Map<string, Map<string, FakeHandler>>();
  private readonly faults: Fault[] = [];
  private readonly closing = new AbortController();
  private server?: Server;
  private port = 0;

  get baseUrl(): string {
    if (!this.server) {
      throw new Error('The fake server is not listening yet');
    }
    return `http://127.0.0.1:${this.port}`;
  }

  get(path: string, handler: FakeHandler): this {
    return this.route('GET', path, handler);
  }

  post(path: string, handler: FakeHandler): this {
    return this.route('POST', path, handler);
  }

  route(method: string, path: string, handler: FakeHandler): this {
    const byMethod = this.routes.get(path) ?? new Map<string, FakeHandler>();
    byMethod.set(method, handler);
    this.routes.set(path, byMethod);
    return this;
  }

  /** The next `times` requests to `method path` get `reply` instead of reaching the route. */
  failNext(method: string, path: string, reply: FakeReply, times = 1): void {
    this.faults.push({ method, path, reply, remaining: times });
  }

  /** How many requests `method path` received so far (optionally only those whose params match `where`). */
  count(method: string, path: string, where: Record<string, string> = {}): number {
    return this.requests.filter(
      (request) =>
        request.method === method &&
        request.path === path &&
        Object.entries(where).every(([name, value]) => request.params[name] === value),
    ).length;
  }

  /** Waits `ms`, or throws once the server closes, so a delayed reply never outlives the fake. */
  async sleep(ms: number): Promise<void> {
    if (ms > 0) {
      await delay(ms, undefined, { signal: this.closing.signal });
    }
  }

  async listen(): Promise<void> {
    const server = createServer((req, res) => void this.dispatch(req, res));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    this.closing.abort();
    const server = this.server;
    if (!server?.listening) {
      return;
    }
    const closed = once(server, 'close');
    server.close();
    server.closeAllConnections();
    await closed;
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const connection = new AbortController();
    res.once('close', () => connection.abort());
    try {
      const request = await readRequest(req, connection.signal);
      this.requests.push({
        method: request.method,
        path: request.url.pathname,
        headers: request.headers,
        params: request.params,
        at: new Date(),
      });
      const reply = this.takeFault(request) ?? (await this.handle(request));
      send(res, reply);
    } catch (error) {
      if (this.closing.signal.aborted || connection.signal.aborted) {
        res.destroy();
        return;
      }
      send(res, jsonReply(500, { message: `fake server error: ${(error as Error).message}` }));
    }
  }

  private takeFault(request: FakeRequest): FakeReply | undefined {
    const fault = this.faults.find(
      (candidate) => candidate.method === request.method && candidate.path === request.url.pathname,
    );
    if (!fault) {
      return undefined;
    }
    fault.remaining -= 1;
    if (fault.remaining <= 0) {
      this.faults.splice(this.faults.indexOf(fault), 1);
    }
    return fault.reply;
  }

  private handle(request: FakeRequest): FakeReply | Promise<FakeReply> {
    const byMethod = this.routes.get(request.url.pathname);
    if (!byMethod) {
      return jsonReply(404, { status: 404, message: `no route ${request.method} ${request.url.pathname}` });
    }
    const handler = byMethod.get(request.method);
    if (!handler) {
      return jsonReply(405, { status: 405, message: `method ${request.method} not allowed` });
    }
    return handler(request);
  }
}

async function readRequest(req: IncomingMessage, signal: AbortSignal): Promise<FakeRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    chunks.push(chunk as Buffer);
  }
  const body = Buffer.concat(chunks).toString('utf8');
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  return {
    method: req.method ?? 'GET',
    url,
    headers: req.headers,
    params: { ...Object.fromEntries(url.searchParams), ...parseBody(body, req.headers['content-type']) },
    body,
    signal,
  };
}

function parseBody(body: string, contentType = ''): Record<string, string> {
  if (body === '') {
    return {};
  }
  if (contentType.includes('application/json')) {
    const parsed = parseJson(body);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return {};
    }
    return Object.fromEntries(
      Object.entries(parsed).map(([name, value]) => [
        name,
        Array.isArray(value) ? value.join(' ') : String(value),
      ]),
    );
  }
  return Object.fromEntries(new URLSearchParams(body));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function send(res: ServerResponse, reply: FakeReply): void {
  const headers: Record<string, string | string[]> = { ...reply.headers };
  let body = reply.text ?? '';
  if (reply.json !== undefined) {
    body = JSON.stringify(reply.json);
    headers['content-type'] ??= 'application/json';
  }
  res.writeHead(reply.status, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}
