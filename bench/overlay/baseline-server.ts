import { randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The baseline of the overlay benchmark, run as a process of its own: the least an SSE relay does. It keeps the
 * open responses of each token in a Set and, when told (`POST /publish/<token>`), builds one
 * `id:/event:/data:` frame and writes it to each. The headers and the `retry:` line are the app's, and the data
 * has the same fields as the app's test alert, so the clients read the same bytes. No database, no Redis, no
 * framework, no heartbeats, no replay. `GET /stats` gives its heap, like the app's /metrics does.
 */
const streams = new Map<string, Set<ServerResponse>>();
let nextId = 1;

const server = createServer((request, response) => {
  const url = request.url ?? '/';
  const events = /^\/overlay\/([^/?]+)\/events/.exec(url);
  if (request.method === 'GET' && events) {
    const token = events[1];
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    response.write('retry: 3000\n\n');
    const set = streams.get(token) ?? new Set();
    streams.set(token, set);
    set.add(response);
    response.on('close', () => {
      set.delete(response);
      if (set.size === 0 && streams.get(token) === set) {
        streams.delete(token);
      }
    });
    return;
  }
  const publish = /^\/publish\/([^/?]+)$/.exec(url);
  if (request.method === 'POST' && publish) {
    const now = Date.now();
    const data = JSON.stringify({
      donationId: randomUUID(),
      donorName: 'Тестовый донатер',
      amount: '100.00',
      currency: 'RUB',
      message: 'Это тестовое оповещение',
      createdAt: now,
      receivedAt: now,
    });
    const frame = `id: ${nextId++}\nevent: test\ndata: ${data}\n\n`;
    const set = streams.get(publish[1]) ?? new Set<ServerResponse>();
    for (const stream of set) {
      stream.write(frame);
    }
    request.resume();
    response
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ delivered: set.size }));
    return;
  }
  if (request.method === 'GET' && url === '/stats') {
    let open = 0;
    streams.forEach((set) => (open += set.size));
    response
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ open, memory: process.memoryUsage() }));
    return;
  }
  response.writeHead(404).end();
});

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(`listening on ${(server.address() as AddressInfo).port}`);
});

const stop = (): void => {
  streams.forEach((set) => set.forEach((stream) => stream.end()));
  server.close(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
