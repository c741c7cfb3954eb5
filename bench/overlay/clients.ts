import { connect, type Socket } from 'node:net';
import { monotonicMs, type ClientTarget, type FromClients, type ToClients } from './protocol';

/**
 * A client process of the overlay benchmark (forked by `client-pool.ts`): it holds many SSE streams as plain TCP
 * sockets, as cheaply as possible so that it takes little CPU from the server it measures, and timestamps the
 * data event that completes each expected event frame. It does not parse HTTP beyond the status line: frames are
 * found by their blank-line end, and an event frame is one with an `event:` line (heartbeats are `:` comments,
 * the first frame is `retry:`). Chunked-encoding markers between frames do not matter to that test.
 */

interface Client {
  socket: Socket;
  group: number;
  /** Text after the last complete frame. */
  tail: string;
  open: boolean;
  ended: boolean;
  /** Index in the current round's times, or -1 when this client expects nothing. */
  slot: number;
}

const clients: Client[] = [];
let current: { round: number; times: Float64Array; remaining: number; receivedAt: number | null } | null =
  null;
let stray = 0;
let ended = 0;

function send(message: FromClients): void {
  process.send!(message);
}

function onFrames(client: Client, text: string, at: number): void {
  let from = 0;
  for (let end = text.indexOf('\n\n'); end >= 0; end = text.indexOf('\n\n', from)) {
    const frame = text.slice(from, end);
    from = end + 2;
    if (!frame.includes('event: ')) {
      continue;
    }
    if (client.slot < 0 || current === null) {
      stray += 1;
      continue;
    }
    current.times[client.slot] = at;
    client.slot = -1;
    if (current.receivedAt === null) {
      const match = /"receivedAt":(\d+)/.exec(frame);
      current.receivedAt = match ? Number(match[1]) : null;
    }
    current.remaining -= 1;
    if (current.remaining === 0) {
      send({ type: 'delivered', round: current.round });
    }
  }
  client.tail = text.slice(from);
}

function open(host: string, port: number, target: ClientTarget): Promise<Client> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const client: Client = { socket, group: target.group, tail: '', open: false, ended: false, slot: -1 };
    socket.once('connect', () => {
      socket.write(
        `GET ${target.path} HTTP/1.1\r\nHost: ${host}:${port}\r\nAccept: text/event-stream\r\nUser-Agent: overlay-bench\r\n\r\n`,
      );
    });
    socket.on('data', (chunk: Buffer) => {
      const at = monotonicMs();
      const text = client.tail + chunk.toString('latin1');
      if (!client.open) {
        const headerEnd = text.indexOf('\r\n\r\n');
        if (headerEnd < 0) {
          client.tail = text;
          return;
        }
        if (!text.startsWith('HTTP/1.1 200')) {
          socket.destroy();
          reject(new Error(text.slice(0, text.indexOf('\r\n'))));
          return;
        }
        client.open = true;
        client.tail = '';
        resolve(client);
        onFrames(client, text.slice(headerEnd + 4), at);
        return;
      }
      onFrames(client, text, at);
    });
    socket.on('error', (error) => {
      if (!client.open) {
        reject(error);
      }
    });
    socket.on('close', () => {
      if (client.open && !client.ended) {
        client.ended = true;
        ended += 1;
      }
    });
  });
}

async function connectAll(
  host: string,
  port: number,
  targets: ClientTarget[],
  concurrency: number,
): Promise<void> {
  const started = monotonicMs();
  let next = 0;
  let failed = 0;
  let error: string | undefined;
  const worker = async (): Promise<void> => {
    while (next < targets.length) {
      const target = targets[next];
      next += 1;
      try {
        clients.push(await open(host, port, target));
      } catch (caught) {
        failed += 1;
        error ??= (caught as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, targets.length) }, worker));
  send({ type: 'connected', opened: clients.length, failed, ms: monotonicMs() - started, error });
}

function expect(round: number, group: number): void {
  let slots = 0;
  for (const client of clients) {
    client.slot = client.group === group && !client.ended ? slots++ : -1;
  }
  current = { round, times: new Float64Array(slots).fill(Number.NaN), remaining: slots, receivedAt: null };
  send({ type: 'armed', round, clients: slots });
  if (slots === 0) {
    send({ type: 'delivered', round });
  }
}

function collect(): void {
  const round = current?.round ?? -1;
  const times = current ? Array.from(current.times, (time) => (Number.isNaN(time) ? null : time)) : [];
  send({ type: 'times', round, times, receivedAt: current?.receivedAt ?? null, stray, ended });
  for (const client of clients) {
    client.slot = -1;
  }
  current = null;
  stray = 0;
}

process.on('message', (message: ToClients) => {
  switch (message.type) {
    case 'connect':
      void connectAll(message.host, message.port, message.targets, message.concurrency);
      break;
    case 'expect':
      expect(message.round, message.group);
      break;
    case 'collect':
      collect();
      break;
    case 'close':
      for (const client of clients) {
        client.socket.destroy();
      }
      send({ type: 'closed' });
      process.disconnect();
      break;
  }
});
