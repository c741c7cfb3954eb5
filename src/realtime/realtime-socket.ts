import WebSocket from 'ws';
import {
  connectCommand,
  isTokenProblem,
  parseDisconnect,
  parseFrame,
  pingCommand,
  pushedDonation,
  subscribeCommand,
  type ServerMessage,
} from './centrifugo-protocol';

/** Why a socket ended. `token`: the connection token no longer works and must be fetched again. */
export type SocketEnd =
  | { kind: 'stopped' }
  | { kind: 'dropped' | 'dead' | 'token' | 'refused'; detail: string }
  | { kind: 'failed'; error: Error };

export interface SocketTiming {
  pingMs: number;
  pongTimeoutMs: number;
  silenceMs: number;
}

export interface SocketHandlers {
  /** The channel token for this connection's client id (a DonationAlerts API call). */
  subscriptionToken(clientId: string): Promise<string>;
  /** Subscribed: pushes flow from now on. */
  subscribed(clientId: string): void;
  /** Any sign of life after subscribing (a pong, a push, a keepalive). */
  alive(): void;
  push(donation: unknown): void;
}

const CONNECT_ID = 1;
const SUBSCRIBE_ID = 2;

/**
 * One connection attempt of one streamer's Centrifugo socket: connect with the socket token, subscribe to the
 * donation channel, then ping every `pingMs`. A ping without a reply within `pongTimeoutMs`, or `silenceMs`
 * without any message, means the socket is dead. `ended` says how it ended; the owner decides what next.
 */
export class RealtimeSocket {
  readonly ended: Promise<SocketEnd>;
  private finish!: (end: SocketEnd) => void;
  private readonly ws: WebSocket;
  private readonly timers = new Set<NodeJS.Timeout>();
  private silence?: NodeJS.Timeout;
  private pingTimer?: NodeJS.Timeout;
  private nextId = SUBSCRIBE_ID + 1;
  private readonly awaiting = new Map<number, (message: Extract<ServerMessage, { kind: 'reply' }>) => void>();
  private done = false;

  constructor(
    url: string,
    private readonly connectToken: string,
    private readonly channel: string,
    private readonly timing: SocketTiming,
    private readonly handlers: SocketHandlers,
  ) {
    this.ended = new Promise((resolve) => (this.finish = resolve));
    this.ws = new WebSocket(url, { handshakeTimeout: timing.pongTimeoutMs });
    this.ws.on('open', () => void this.handshake());
    this.ws.on('message', (data: WebSocket.RawData) => this.receive(rawText(data)));
    this.ws.on('error', (error: Error) => this.end({ kind: 'dropped', detail: error.message }));
    this.ws.on('close', (code: number, reason: Buffer) => {
      const disconnect = parseDisconnect(code, reason.toString('utf8'));
      this.end({
        kind: isTokenProblem(disconnect.reason) ? 'token' : 'dropped',
        detail: disconnect.reason,
      });
    });
  }

  /** Closes the socket; `ended` resolves with `stopped`. */
  close(): void {
    this.end({ kind: 'stopped' });
  }

  private async handshake(): Promise<void> {
    try {
      const connected = await this.request(CONNECT_ID, connectCommand(CONNECT_ID, this.connectToken));
      if (connected.error) {
        const detail = `connect refused: ${connected.error.code} ${connected.error.message}`;
        return this.end({ kind: isTokenProblem(connected.error.message) ? 'token' : 'refused', detail });
      }
      const clientId = connected.result?.client;
      if (typeof clientId !== 'string') {
        return this.end({ kind: 'refused', detail: 'connect reply without a client id' });
      }
      const token = await this.handlers.subscriptionToken(clientId);
      if (this.done) {
        return;
      }
      const subscribed = await this.request(
        SUBSCRIBE_ID,
        subscribeCommand(SUBSCRIBE_ID, this.channel, token),
      );
      if (subscribed.error) {
        return this.end({
          kind: 'refused',
          detail: `subscribe refused: ${subscribed.error.code} ${subscribed.error.message}`,
        });
      }
      this.handlers.subscribed(clientId);
      this.pingTimer = setInterval(() => void this.ping(), this.timing.pingMs).unref();
    } catch (error) {
      this.end(error instanceof SocketEndedError ? error.end : { kind: 'failed', error: error as Error });
    }
  }

  private async ping(): Promise<void> {
    const id = this.nextId++;
    try {
      await this.request(id, pingCommand(id));
    } catch (error) {
      this.end(error instanceof SocketEndedError ? error.end : { kind: 'failed', error: error as Error });
    }
  }

  /** Sends a command and waits for its reply; no reply within `pongTimeoutMs` ends the socket as dead. */
  private request(id: number, command: string): Promise<Extract<ServerMessage, { kind: 'reply' }>> {
    return new Promise((resolve, reject) => {
      if (this.done) {
        return reject(new SocketEndedError({ kind: 'stopped' }));
      }
      const timer = this.after(this.timing.pongTimeoutMs, () => {
        this.awaiting.delete(id);
        const end: SocketEnd = { kind: 'dead', detail: `no reply in ${this.timing.pongTimeoutMs} ms` };
        reject(new SocketEndedError(end));
        this.end(end);
      });
      this.awaiting.set(id, (reply) => {
        this.clear(timer);
        resolve(reply);
      });
      this.ws.send(command);
    });
  }

  private receive(frame: string): void {
    this.watchSilence();
    for (const message of parseFrame(frame)) {
      if (message.kind === 'reply') {
        const resolve = this.awaiting.get(message.id);
        this.awaiting.delete(message.id);
        resolve?.(message);
        if (message.id > SUBSCRIBE_ID) {
          this.handlers.alive();
        }
      } else if (message.kind === 'keepalive') {
        this.ws.send('{}');
        this.handlers.alive();
      } else if (message.kind === 'push' && message.channel === this.channel) {
        this.handlers.alive();
        this.handlers.push(pushedDonation(message.data));
      }
    }
  }

  private watchSilence(): void {
    if (this.silence) {
      this.clear(this.silence);
    }
    this.silence = this.after(this.timing.silenceMs, () =>
      this.end({ kind: 'dead', detail: `nothing received for ${this.timing.silenceMs} ms` }),
    );
  }

  private after(ms: number, run: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms).unref();
    this.timers.add(timer);
    return timer;
  }

  private clear(timer: NodeJS.Timeout): void {
    clearTimeout(timer);
    this.timers.delete(timer);
  }

  private end(end: SocketEnd): void {
    if (this.done) {
      return;
    }
    this.done = true;
    clearInterval(this.pingTimer);
    for (const timer of this.timers) {
      clearTimeout(timer);
    }
    this.timers.clear();
    this.awaiting.clear();
    this.ws.removeAllListeners('message');
    this.ws.on('error', () => undefined);
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) {
      this.ws.terminate();
    }
    this.finish(end);
  }
}

class SocketEndedError extends Error {
  constructor(readonly end: SocketEnd) {
    super('socket ended');
  }
}

function rawText(data: WebSocket.RawData): string {
  if (Array.isArray(data)) {
    return Buffer.concat(data).toString('utf8');
  }
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}
