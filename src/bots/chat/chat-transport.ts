/**
 * The port between the bot and a Twitch chat connection. One `ChatTransport` is one connection of one
 * identity; reconnecting is the caller's decision (a new `connect()` after `disconnected`), never the
 * transport's own. IRC over WebSocket implements it today (`IrcWsTransport`); EventSub
 * `channel.chat.message` plus Helix `POST /helix/chat/messages` could tomorrow without touching the bot.
 * Channels are broadcaster logins without `#`. Nothing here throws or rejects: outcomes are values and events.
 */

/** Who the connection logs in as: the account's login and its user access token (without `oauth:`). */
export interface ChatIdentity {
  login: string;
  token: string;
}

export interface ChatUser {
  id: string;
  login: string;
  displayName: string;
}

/** A chat line someone else wrote in a joined channel (Twitch does not echo a connection's own lines). */
export interface ChatLine {
  channel: string;
  user: ChatUser;
  text: string;
  /** Everything Twitch tagged the line with (`id`, `tmi-sent-ts`, `badges`, ...), values unescaped. */
  tags: Readonly<Record<string, string>>;
}

/**
 * The identity's standing in a channel, sent on join and after each message it sends. Twitch's higher limit
 * (100 messages per 30 s instead of 20) applies to a moderator or the broadcaster.
 */
export interface ChatUserState {
  channel: string;
  isMod: boolean;
  isBroadcaster: boolean;
}

/** A server notice (`msg-id` tag, e.g. `msg_ratelimit`, `msg_banned`); `channel` absent for global ones. */
export interface ChatNotice {
  channel?: string;
  msgId?: string;
  text: string;
}

/**
 * - `closed`: the caller closed it.
 * - `reconnect`: the server asked for a reconnect (Twitch's RECONNECT before a restart).
 * - `dropped`: the socket closed or failed.
 * - `dead`: no sign of life (no welcome in time, or a keepalive PING unanswered).
 * - `auth`: the login was refused (a bad or expired token, or another login than the token's).
 */
export type ChatDisconnectReason = 'closed' | 'reconnect' | 'dropped' | 'dead' | 'auth';

export interface ChatDisconnect {
  reason: ChatDisconnectReason;
  detail: string;
}

export type ChatConnectResult = { ok: true } | { ok: false; reason: ChatDisconnectReason; detail: string };

export interface ChatTransportEvents {
  /** Logged in; joins and sends work from now on. */
  connected: [];
  message: [ChatLine];
  userstate: [ChatUserState];
  notice: [ChatNotice];
  /** The login was refused; `connect()` resolves with reason `auth` as well. */
  authFailed: [detail: string];
  /** Only after `connected`: a failed connect is told by `connect()`'s result alone. */
  disconnected: [ChatDisconnect];
}

export type ChatTransportState = 'idle' | 'connecting' | 'connected' | 'disconnected';

export interface ChatTransport {
  readonly state: ChatTransportState;
  /** Channels the server confirmed joined, and not parted since. */
  readonly channels: ReadonlySet<string>;
  /** Resolves once logged in or failed; while connecting or connected it answers as the current attempt. */
  connect(identity: ChatIdentity): Promise<ChatConnectResult>;
  /** True once the server confirmed the join; false when not connected, refused, or not confirmed in time. */
  join(channel: string): Promise<boolean>;
  /** True once the server confirmed the part (or the channel was not joined); false when not connected. */
  part(channel: string): Promise<boolean>;
  /**
   * True once the line went out; false when not connected. Twitch acknowledges nothing: a line it drops (rate
   * limit, ban) shows up as a `notice` at most. Line breaks in `text` become spaces.
   */
  send(channel: string, text: string): Promise<boolean>;
  /** Ends the connection; resolves when the socket is gone (so a channel can be handed over safely). */
  close(): Promise<void>;
  on<E extends keyof ChatTransportEvents>(
    event: E,
    listener: (...args: ChatTransportEvents[E]) => void,
  ): this;
  off<E extends keyof ChatTransportEvents>(
    event: E,
    listener: (...args: ChatTransportEvents[E]) => void,
  ): this;
}

/** The injection token: every bot connection comes from here. */
export abstract class ChatTransportFactory {
  abstract create(): ChatTransport;
}
