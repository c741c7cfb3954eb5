import { EventEmitter } from 'node:events';
import { channelLogin } from './fake-twitch-chat-lines';
import { SlidingWindowLog } from './sliding-window-log';

export interface ChatJoin {
  connectionId: number;
  login: string;
  channel: string;
  at: number;
}

export interface ChatPart extends ChatJoin {
  /** `part`: the client sent PART; `closed`: its connection ended while joined. */
  how: 'part' | 'closed';
}

export interface ChatMessage {
  connectionId: number;
  login: string;
  channel: string;
  text: string;
  at: number;
  /** False when Twitch would have dropped it: over the rate limit, or a token without `chat:edit`. */
  delivered: boolean;
}

export interface ChatViolation {
  connectionId: number;
  login: string;
  channel: string;
  kind: 'messages' | 'joins';
  /** The limit that was broken (20 or 100 messages per 30 s, 20 joins per 10 s). */
  limit: number;
  at: number;
}

/** A PING or PONG a client sent; `text` is its argument. */
export interface ChatKeepalive {
  connectionId: number;
  login?: string;
  text: string;
  at: number;
}

export interface ChatMember {
  connectionId: number;
  login: string;
}

export interface MessageFilter {
  login?: string;
  channel?: string;
}

/** dev.twitch.tv/docs/irc: "Command & Message Limits". */
export const TWITCH_CHAT_LIMITS = {
  messages: { limit: 20, moderatorLimit: 100, windowMs: 30_000 },
  joins: { limit: 20, windowMs: 10_000 },
} as const;

/**
 * What the fake Twitch chat saw, and Twitch's per-login limits over it: the half of `FakeTwitchChat` that
 * tests read (records, queries, waits), apart from the half that speaks the protocol.
 */
export abstract class FakeChatRecords {
  readonly joins: ChatJoin[] = [];
  readonly parts: ChatPart[] = [];
  /** PRIVMSGs clients sent (viewers' `say()` lines are not here). */
  readonly messages: ChatMessage[] = [];
  readonly violations: ChatViolation[] = [];
  /** PONGs clients sent (answers to `ping()`). */
  readonly pongs: ChatKeepalive[] = [];
  /** PINGs clients sent (answered unless `stopAnsweringPings()`). */
  readonly pings: ChatKeepalive[] = [];

  protected readonly events = new EventEmitter();
  private readonly maxMembers = new Map<string, number>();
  private readonly messageLogs = new Map<string, SlidingWindowLog>();
  private readonly joinLogs = new Map<string, SlidingWindowLog>();

  protected constructor(protected readonly now: () => number) {
    this.events.setMaxListeners(0);
  }

  /** Connections joined to the channel now. */
  abstract currentMembers(channel: string): ChatMember[];

  /** The most connections joined to the channel at once since start or `resetMaxConcurrentJoins()`. */
  maxConcurrentJoins(channel: string): number {
    return this.maxMembers.get(channelLogin(channel)) ?? 0;
  }

  /** The maxima start again from the connections joined now (e.g. once a known overlap has ended). */
  resetMaxConcurrentJoins(): void {
    for (const channel of new Set(this.joins.map((join) => join.channel))) {
      this.maxMembers.set(channel, this.currentMembers(channel).length);
    }
  }

  /** Messages clients sent with `from <= at < to`, delivered or not. */
  messagesInWindow(from: number, to: number, filter: MessageFilter = {}): ChatMessage[] {
    return this.messages.filter(
      (message) =>
        message.at >= from &&
        message.at < to &&
        (filter.login === undefined || message.login === filter.login) &&
        (filter.channel === undefined || message.channel === channelLogin(filter.channel)),
    );
  }

  /** The most delivered messages of the filter in any sliding window of `windowMs` (30 s: Twitch's). */
  maxMessagesInWindow(
    filter: MessageFilter = {},
    windowMs: number = TWITCH_CHAT_LIMITS.messages.windowMs,
  ): number {
    const times = this.messagesInWindow(-Infinity, Infinity, filter)
      .filter((message) => message.delivered)
      .map((message) => message.at)
      .sort((a, b) => a - b);
    return times.reduce((max, start, index) => {
      const inWindow = times.slice(index).filter((at) => at < start + windowMs).length;
      return Math.max(max, inWindow);
    }, 0);
  }

  /** Resolves with the next successful login (of `login`, when given). */
  nextLogin(login?: string): Promise<ChatMember> {
    return this.next('login', (member: ChatMember) => login === undefined || member.login === login);
  }

  nextJoin(channel?: string): Promise<ChatJoin> {
    return this.next('join', (join: ChatJoin) => matches(join.channel, channel));
  }

  nextPart(channel?: string): Promise<ChatPart> {
    return this.next('part', (part: ChatPart) => matches(part.channel, channel));
  }

  nextMessage(channel?: string): Promise<ChatMessage> {
    return this.next('message', (message: ChatMessage) => matches(message.channel, channel));
  }

  nextPong(): Promise<ChatKeepalive> {
    return this.next('pong', () => true);
  }

  protected recordLogin(member: ChatMember): void {
    this.events.emit('login', member);
  }

  /** `members`: how many connections are joined to the channel now, this one included. */
  protected recordJoin(join: ChatJoin, members: number): void {
    this.maxMembers.set(join.channel, Math.max(this.maxConcurrentJoins(join.channel), members));
    this.joins.push(join);
    this.events.emit('join', join);
  }

  protected recordPart(part: ChatPart): void {
    this.parts.push(part);
    this.events.emit('part', part);
  }

  protected recordMessage(message: ChatMessage): void {
    this.messages.push(message);
    this.events.emit('message', message);
  }

  protected recordPing(ping: ChatKeepalive): void {
    this.pings.push(ping);
  }

  protected recordPong(pong: ChatKeepalive): void {
    this.pongs.push(pong);
    this.events.emit('pong', pong);
  }

  /** Admits a JOIN of the login, or records a violation and returns false. */
  protected admitJoin(connectionId: number, login: string, channel: string): boolean {
    const { limit, windowMs } = TWITCH_CHAT_LIMITS.joins;
    return this.admit(this.joinLogs, { connectionId, login, channel, kind: 'joins', limit }, windowMs);
  }

  /** Admits a PRIVMSG of the login (`elevated`: a moderator or the broadcaster of the channel), or false. */
  protected admitMessage(connectionId: number, login: string, channel: string, elevated: boolean): boolean {
    const { limit, moderatorLimit, windowMs } = TWITCH_CHAT_LIMITS.messages;
    const applied = elevated ? moderatorLimit : limit;
    return this.admit(
      this.messageLogs,
      { connectionId, login, channel, kind: 'messages', limit: applied },
      windowMs,
    );
  }

  /** Rejects every wait still pending. */
  protected stopWaits(): void {
    this.events.emit('closing');
  }

  private admit(
    logs: Map<string, SlidingWindowLog>,
    violation: Omit<ChatViolation, 'at'>,
    windowMs: number,
  ): boolean {
    const log = logs.get(violation.login) ?? new SlidingWindowLog();
    logs.set(violation.login, log);
    const at = this.now();
    if (log.admit(at, violation.limit, windowMs).accepted) {
      return true;
    }
    this.violations.push({ ...violation, at });
    return false;
  }

  private next<T>(event: string, match: (value: T) => boolean): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const settle = (value: T): void => {
        if (match(value)) {
          this.events.off(event, settle);
          this.events.off('closing', closing);
          resolve(value);
        }
      };
      const closing = (): void => {
        this.events.off(event, settle);
        reject(new Error(`FakeTwitchChat closed while waiting for ${event}`));
      };
      this.events.on(event, settle);
      this.events.once('closing', closing);
    });
  }
}

function matches(recorded: string, wanted: string | undefined): boolean {
  return wanted === undefined || recorded === channelLogin(wanted);
}
