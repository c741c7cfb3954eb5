import { Logger } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import {
  ChatTransportFactory,
  type ChatConnectResult,
  type ChatDisconnect,
  type ChatIdentity,
  type ChatTransport,
  type ChatTransportEvents,
  type ChatTransportState,
} from './chat-transport';
import { parseIrcFrame, parseIrcPrefix, serializeIrcMessage, type IrcMessage } from './irc-codec';

export interface IrcWsTimings {
  /** Nothing received for this long → the transport sends a PING (Twitch itself PINGs about every 5 minutes). */
  idlePingMs: number;
  /** A PING without a PONG for this long → dead. */
  pongTimeoutMs: number;
  /** From opening the socket to the welcome (001). */
  connectTimeoutMs: number;
  /** From JOIN to the server's echo of it. */
  joinTimeoutMs: number;
}

export const DEFAULT_IRC_WS_TIMINGS: IrcWsTimings = {
  idlePingMs: 60_000,
  pongTimeoutMs: 10_000,
  connectTimeoutMs: 15_000,
  joinTimeoutMs: 10_000,
};

/** Twitch's default (TWITCH_CHAT_URL); tests use the fake's `ws://127.0.0.1:<port>`. */
export const TWITCH_CHAT_URL = 'wss://irc-ws.chat.twitch.tv:443';

const CAPABILITIES = 'twitch.tv/tags twitch.tv/commands';
/** Notices (`msg-id`) by which Twitch refuses a JOIN; a pending join() answers false at once. */
const JOIN_REFUSALS = new Set(['msg_channel_suspended', 'msg_banned', 'tos_ban', 'msg_channel_blocked']);
const CLOSE_GRACE_MS = 2_000;

type Waiter = (confirmed: boolean) => void;

/**
 * Twitch chat over IRC-over-WebSocket with `ws` and `irc-codec.ts`. It answers the server's PINGs, PINGs
 * itself after `idlePingMs` of silence and calls the connection dead when the PONG does not come, treats
 * RECONNECT as a disconnect (the caller reconnects), and reports everything as results and events: listener
 * errors are logged, never thrown into the socket's callbacks.
 */
export class IrcWsTransport implements ChatTransport {
  private readonly logger = new Logger(IrcWsTransport.name);
  private readonly events = new EventEmitter();
  private readonly joined = new Set<string>();
  private readonly joinWaiters = new Map<string, Waiter[]>();
  private readonly partWaiters = new Map<string, Waiter[]>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private ws?: WebSocket;
  private login = '';
  private current: ChatTransportState = 'idle';
  private attempt?: Promise<ChatConnectResult>;
  private settleAttempt?: (result: ChatConnectResult) => void;
  private idleTimer?: NodeJS.Timeout;
  private pongTimer?: NodeJS.Timeout;
  private closed?: Promise<void>;

  constructor(
    private readonly url: string,
    private readonly timings: IrcWsTimings = DEFAULT_IRC_WS_TIMINGS,
  ) {}

  get state(): ChatTransportState {
    return this.current;
  }

  get channels(): ReadonlySet<string> {
    return new Set(this.joined);
  }

  connect(identity: ChatIdentity): Promise<ChatConnectResult> {
    if (this.current === 'connected') {
      return Promise.resolve({ ok: true });
    }
    if (this.current === 'connecting' && this.attempt) {
      return this.attempt;
    }
    this.current = 'connecting';
    this.login = identity.login.toLowerCase();
    this.attempt = new Promise((resolve) => (this.settleAttempt = resolve));
    const ws = new WebSocket(this.url, { handshakeTimeout: this.timings.connectTimeoutMs });
    this.ws = ws;
    this.closed = new Promise((resolve) => ws.once('close', () => resolve()));
    this.after(this.timings.connectTimeoutMs, () => {
      if (this.current === 'connecting') {
        this.end({ reason: 'dead', detail: `no welcome within ${this.timings.connectTimeoutMs} ms` });
      }
    });
    ws.on('open', () => {
      const token = identity.token.replace(/^oauth:/, '');
      this.write({ tags: {}, command: 'CAP', params: ['REQ', CAPABILITIES], trailing: true });
      this.write({ tags: {}, command: 'PASS', params: [`oauth:${token}`] });
      this.write({ tags: {}, command: 'NICK', params: [this.login] });
      this.watchIdle();
    });
    ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      if (this.ws === ws && !isBinary) {
        this.receive(rawText(data));
      }
    });
    ws.on('error', (error: Error) => {
      if (this.ws === ws) {
        this.end({ reason: 'dropped', detail: error.message });
      }
    });
    ws.on('close', (code: number, reason: Buffer) => {
      if (this.ws === ws) {
        const why = reason.toString('utf8');
        this.end({ reason: 'dropped', detail: `closed by the server (${code}${why ? ` ${why}` : ''})` });
      }
    });
    return this.attempt;
  }

  join(channel: string): Promise<boolean> {
    const name = channelLogin(channel);
    if (this.joined.has(name)) {
      return Promise.resolve(true);
    }
    return this.command('JOIN', name, this.joinWaiters, this.timings.joinTimeoutMs);
  }

  part(channel: string): Promise<boolean> {
    const name = channelLogin(channel);
    if (this.current === 'connected' && !this.joined.has(name)) {
      return Promise.resolve(true);
    }
    return this.command('PART', name, this.partWaiters, this.timings.joinTimeoutMs);
  }

  send(channel: string, text: string): Promise<boolean> {
    const ws = this.ws;
    if (this.current !== 'connected' || !ws || !isChannelLogin(channelLogin(channel))) {
      return Promise.resolve(false);
    }
    const line = this.line({
      tags: {},
      command: 'PRIVMSG',
      params: [`#${channelLogin(channel)}`, text.replace(/[\r\n\0]+/g, ' ')],
      trailing: true,
    });
    if (line === undefined) {
      return Promise.resolve(false);
    }
    return new Promise((resolve) => ws.send(line, (error) => resolve(!error)));
  }

  async close(): Promise<void> {
    const ws = this.ws;
    if (this.current === 'connecting' || this.current === 'connected') {
      this.end({ reason: 'closed', detail: 'closed by the caller' }, false);
    }
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      const forced = setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref();
      await this.closed;
      clearTimeout(forced);
    }
  }

  on<E extends keyof ChatTransportEvents>(
    event: E,
    listener: (...args: ChatTransportEvents[E]) => void,
  ): this {
    this.events.on(event, listener as (...args: unknown[]) => void);
    return this;
  }

  off<E extends keyof ChatTransportEvents>(
    event: E,
    listener: (...args: ChatTransportEvents[E]) => void,
  ): this {
    this.events.off(event, listener as (...args: unknown[]) => void);
    return this;
  }

  private command(
    verb: 'JOIN' | 'PART',
    channel: string,
    waiters: Map<string, Waiter[]>,
    timeoutMs: number,
  ): Promise<boolean> {
    if (this.current !== 'connected' || !isChannelLogin(channel)) {
      return Promise.resolve(false);
    }
    return new Promise((resolve) => {
      const timer = this.after(timeoutMs, () => settle(false));
      const settle: Waiter = (confirmed) => {
        this.clear(timer);
        const rest = (waiters.get(channel) ?? []).filter((waiter) => waiter !== settle);
        if (rest.length > 0) {
          waiters.set(channel, rest);
        } else {
          waiters.delete(channel);
        }
        resolve(confirmed);
      };
      waiters.set(channel, [...(waiters.get(channel) ?? []), settle]);
      if (!this.write({ tags: {}, command: verb, params: [`#${channel}`] })) {
        settle(false);
      }
    });
  }

  private receive(frame: string): void {
    this.watchIdle();
    for (const message of parseIrcFrame(frame)) {
      if (this.current === 'disconnected') {
        return;
      }
      try {
        this.handle(message);
      } catch (error) {
        this.logger.warn(`Ignoring a chat line that could not be handled: ${(error as Error).message}`);
      }
    }
  }

  private handle(message: IrcMessage): void {
    const channel = channelLogin(message.params[0] ?? '');
    const nick = message.prefix === undefined ? undefined : parseIrcPrefix(message.prefix).nick;
    switch (message.command) {
      case 'PING':
        this.write({
          tags: {},
          command: 'PONG',
          params: [message.params.at(-1) ?? 'tmi.twitch.tv'],
          trailing: true,
        });
        return;
      case 'PONG':
        this.clear(this.pongTimer);
        this.pongTimer = undefined;
        return;
      case '001':
        return this.welcomed();
      case 'NOTICE':
        return this.notice(message, channel);
      case 'RECONNECT':
        return this.end({ reason: 'reconnect', detail: 'the server asked for a reconnect' });
      case 'JOIN':
        if (nick === this.login) {
          this.joined.add(channel);
          this.wake(this.joinWaiters, channel, true);
        }
        return;
      case 'PART':
        if (nick === this.login) {
          this.joined.delete(channel);
          this.wake(this.partWaiters, channel, true);
        }
        return;
      case 'USERSTATE': {
        const badges = (message.tags.badges ?? '').split(',');
        const isMod = message.tags.mod === '1' || badges.some((badge) => badge.startsWith('moderator/'));
        const isBroadcaster = badges.some((badge) => badge.startsWith('broadcaster/'));
        return this.emit('userstate', { channel, isMod, isBroadcaster });
      }
      case 'PRIVMSG': {
        const login = nick ?? '';
        const user = {
          id: message.tags['user-id'] ?? '',
          login,
          displayName: message.tags['display-name'] || login,
        };
        return this.emit('message', { channel, user, text: message.params[1] ?? '', tags: message.tags });
      }
    }
  }

  private welcomed(): void {
    if (this.current !== 'connecting') {
      return;
    }
    this.current = 'connected';
    this.settleAttempt?.({ ok: true });
    this.emit('connected');
  }

  /** Before the welcome, a NOTICE to `*` is Twitch refusing the login ("Login authentication failed"). */
  private notice(message: IrcMessage, channel: string): void {
    const text = message.params.at(-1) ?? '';
    if (this.current === 'connecting' && message.params[0] === '*') {
      this.emit('authFailed', text);
      return this.end({ reason: 'auth', detail: text });
    }
    const msgId = message.tags['msg-id'];
    if (msgId !== undefined && JOIN_REFUSALS.has(msgId)) {
      this.wake(this.joinWaiters, channel, false);
    }
    this.emit('notice', {
      ...(channel === '' || channel === '*' ? {} : { channel }),
      ...(msgId === undefined ? {} : { msgId }),
      text,
    });
  }

  /** Any traffic restarts the idle wait; silence for `idlePingMs` sends a PING that must be answered in time. */
  private watchIdle(): void {
    this.clear(this.idleTimer);
    this.idleTimer = this.after(this.timings.idlePingMs, () => {
      if (this.pongTimer === undefined) {
        this.write({ tags: {}, command: 'PING', params: ['tmi.twitch.tv'], trailing: true });
        this.pongTimer = this.after(this.timings.pongTimeoutMs, () =>
          this.end({ reason: 'dead', detail: `no PONG within ${this.timings.pongTimeoutMs} ms` }),
        );
      }
    });
  }

  private end(disconnect: ChatDisconnect, terminate = true): void {
    if (this.current === 'disconnected' || this.current === 'idle') {
      return;
    }
    const wasConnected = this.current === 'connected';
    this.current = 'disconnected';
    this.timers.forEach((timer) => clearTimeout(timer));
    this.timers.clear();
    this.idleTimer = undefined;
    this.pongTimer = undefined;
    this.joined.clear();
    for (const waiters of [this.joinWaiters, this.partWaiters]) {
      [...waiters.values()].flat().forEach((waiter) => waiter(false));
      waiters.clear();
    }
    const ws = this.ws;
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      ws.on('error', () => undefined);
      if (terminate || ws.readyState === WebSocket.CONNECTING) {
        ws.terminate();
      } else {
        ws.close(1000);
      }
    }
    this.settleAttempt?.({ ok: false, reason: disconnect.reason, detail: disconnect.detail });
    this.settleAttempt = undefined;
    this.attempt = undefined;
    if (wasConnected) {
      this.emit('disconnected', disconnect);
    }
  }

  private wake(waiters: Map<string, Waiter[]>, channel: string, confirmed: boolean): void {
    [...(waiters.get(channel) ?? [])].forEach((waiter) => waiter(confirmed));
  }

  /** Writes one line; false when the socket is not open or the message cannot be written. */
  private write(message: IrcMessage): boolean {
    const line = this.line(message);
    if (line === undefined || this.ws?.readyState !== WebSocket.OPEN) {
      return false;
    }
    this.ws.send(line);
    return true;
  }

  private line(message: IrcMessage): string | undefined {
    try {
      return serializeIrcMessage(message);
    } catch (error) {
      // The error quotes the offending value: never let that be the token.
      const reason = message.command === 'PASS' ? 'the token is not one word' : (error as Error).message;
      this.logger.warn(`Not sending ${message.command}: ${reason}`);
      return undefined;
    }
  }

  private emit<E extends keyof ChatTransportEvents>(event: E, ...args: ChatTransportEvents[E]): void {
    for (const listener of this.events.listeners(event)) {
      try {
        (listener as (...values: unknown[]) => void)(...args);
      } catch (error) {
        this.logger.error(`A chat "${event}" listener failed: ${(error as Error).message}`);
      }
    }
  }

  private after(ms: number, run: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms).unref();
    this.timers.add(timer);
    return timer;
  }

  private clear(timer: NodeJS.Timeout | undefined): void {
    if (timer) {
      clearTimeout(timer);
      this.timers.delete(timer);
    }
  }
}

/** Makes one `IrcWsTransport` per bot connection, all to the same chat URL. */
export class IrcWsTransportFactory extends ChatTransportFactory {
  constructor(
    private readonly url: string = TWITCH_CHAT_URL,
    private readonly timings: IrcWsTimings = DEFAULT_IRC_WS_TIMINGS,
  ) {
    super();
  }

  create(): ChatTransport {
    return new IrcWsTransport(this.url, this.timings);
  }
}

/** Twitch logins: letters, digits and underscores (checked so a name cannot reshape the IRC line). */
function isChannelLogin(channel: string): boolean {
  return /^[a-z0-9_]{1,25}$/.test(channel);
}

function channelLogin(channel: string): string {
  return channel.replace(/^#/, '').toLowerCase();
}

function rawText(data: WebSocket.RawData): string {
  if (Array.isArray(data)) {
    return Buffer.concat(data).toString('utf8');
  }
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}
