import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import {
  channelLogin,
  globalUserstateTags,
  parseClientLine,
  privmsgTags,
  roomstateTags,
  serverLine,
  TMI,
  userPrefix,
  userstateTags,
  welcomeLines,
  type Badges,
  type ClientCommand,
} from './fake-twitch-chat-lines';
import { FakeChatRecords, type ChatMember, type ChatPart } from './fake-twitch-chat-records';

export * from './fake-twitch-chat-records';

/** Who a token logs in as. With `scopes`, login needs `chat:read` and sending needs `chat:edit`, as on Twitch. */
export interface ChatAccount {
  userId: string;
  login: string;
  displayName?: string;
  scopes?: string[];
}

/** Where tokens not added with `addAccount()` are looked up (FakeTwitch's token store implements it). */
export interface ChatAccounts {
  chatAccountOf(token: string): ChatAccount | undefined;
}

export interface ChatViewer {
  userId: string;
  login: string;
  displayName: string;
}

export interface FakeTwitchChatOptions {
  accounts?: ChatAccounts;
  /** The time of every record and of the rate limits (a test's manual clock); `Date.now` by default. */
  now?: () => number;
  /** A connection that breaks a limit is cut (Twitch would block the account for 30 minutes instead). */
  dropOnViolation?: boolean;
}

interface Connection {
  id: number;
  socket: WebSocket;
  caps: Set<string>;
  pass?: string;
  account?: ChatAccount;
  channels: Set<string>;
  answersPings: boolean;
}

const CAPABILITIES = ['twitch.tv/tags', 'twitch.tv/commands', 'twitch.tv/membership'];
const OPEN = 1;

/**
 * Twitch chat's IRC over WebSocket (`wss://irc-ws.chat.twitch.tv`, here `ws://127.0.0.1:<port>`) as
 * dev.twitch.tv/docs/chat/irc describes it: CAP REQ/ACK, PASS + NICK → 001–004, 375/372/376 and
 * GLOBALUSERSTATE, or `NOTICE * :Login authentication failed` and a close; JOIN → JOIN, 353/366, USERSTATE,
 * ROOMSTATE; PRIVMSG relayed (with tags) to the channel's other connections and answered with USERSTATE;
 * PING/PONG both ways; PART; RECONNECT. Tags only go to connections that asked for `twitch.tv/tags`, and
 * USERSTATE, ROOMSTATE, GLOBALUSERSTATE and RECONNECT only to those that asked for `twitch.tv/commands`. Every
 * reply to one command goes in one frame, its lines ended by `\r\n`. Channels are recorded without the `#`.
 * A limit broken (see `TWITCH_CHAT_LIMITS`) is recorded in `violations` and the command is dropped.
 */
export class FakeTwitchChat extends FakeChatRecords {
  private readonly server: Server;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly connections = new Set<Connection>();
  private readonly accounts = new Map<string, ChatAccount>();
  private readonly moderators = new Map<string, Set<string>>();
  private readonly roomIds = new Map<string, string>();
  private readonly suspended = new Set<string>();
  private nextConnectionId = 1;
  private port = 0;

  private constructor(private readonly options: FakeTwitchChatOptions) {
    super(options.now ?? Date.now);
    this.server = createServer((_req, res) => res.writeHead(404).end());
    this.server.on('upgrade', (req, socket, head) =>
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws)),
    );
  }

  static async start(options: FakeTwitchChatOptions = {}): Promise<FakeTwitchChat> {
    const fake = new FakeTwitchChat(options);
    fake.server.listen(0, '127.0.0.1');
    await once(fake.server, 'listening');
    fake.port = (fake.server.address() as AddressInfo).port;
    return fake;
  }

  /** What `TWITCH_CHAT_URL` points at. */
  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** `PASS oauth:<token>` logs in as `account` (checked before `options.accounts`). */
  addAccount(token: string, account: ChatAccount): void {
    this.accounts.set(token, { ...account });
  }

  /** The login is (or stops being) a moderator of the channel; USERSTATE says so from the next JOIN or PRIVMSG. */
  setModerator(channel: string, login: string, moderator = true): void {
    const mods = this.moderators.get(channelLogin(channel)) ?? new Set<string>();
    this.moderators.set(channelLogin(channel), mods);
    if (moderator) {
      mods.add(login);
    } else {
      mods.delete(login);
    }
  }

  /** The `room-id` of the channel (the broadcaster's user id); a made-up one unless set. */
  setRoomId(channel: string, roomId: string): void {
    this.roomIds.set(channelLogin(channel), roomId);
  }

  /** JOINs of the channel are refused with `msg_channel_suspended`, as for a banned or deleted account. */
  suspendChannel(channel: string): void {
    this.suspended.add(channelLogin(channel));
  }

  /** A viewer's chat line, delivered to every connection joined to the channel; returns how many got it. */
  say(channel: string, viewer: ChatViewer, text: string, tags: Record<string, string> = {}): number {
    const name = channelLogin(channel);
    const members = this.membersOf(name);
    const all = {
      ...privmsgTags(viewer, this.badges(name, viewer.login), this.roomId(name), this.now()),
      ...tags,
    };
    for (const member of members) {
      this.send(member, [
        serverLine(this.tagsFor(member, all), userPrefix(viewer.login), 'PRIVMSG', [`#${name}`], text),
      ]);
    }
    return members.length;
  }

  /** `PING :tmi.twitch.tv` to every logged-in connection (of `login` only, when given); returns how many. */
  ping(login?: string): number {
    return this.each(login, (connection) => this.send(connection, [`PING :${TMI}`]));
  }

  /** `:tmi.twitch.tv RECONNECT`, as before a Twitch server restart; the connections stay open. */
  reconnectNotice(login?: string): number {
    return this.each(login, (connection) => {
      if (connection.caps.has('twitch.tv/commands')) {
        this.send(connection, [`:${TMI} RECONNECT`]);
      }
    });
  }

  /** The TCP connections of `login` are cut (the client sees 1006); returns how many. */
  drop(login: string): number {
    return this.each(login, (connection) => connection.socket.terminate());
  }

  dropAll(): number {
    const all = [...this.connections];
    all.forEach((connection) => connection.socket.terminate());
    return all.length;
  }

  /** The connections of `login` (or all) ignore client PINGs from now on: keepalive gone silent. */
  stopAnsweringPings(login?: string): number {
    return this.each(login, (connection) => (connection.answersPings = false));
  }

  /** Open connections, logged in or not. */
  connectionCount(): number {
    return [...this.connections].filter((connection) => connection.socket.readyState === OPEN).length;
  }

  currentMembers(channel: string): ChatMember[] {
    return this.membersOf(channelLogin(channel)).map((connection) => ({
      connectionId: connection.id,
      login: connection.account?.login ?? '',
    }));
  }

  async close(): Promise<void> {
    this.stopWaits();
    this.connections.forEach((connection) => connection.socket.terminate());
    this.wss.close();
    const closed = once(this.server, 'close');
    this.server.close();
    this.server.closeAllConnections();
    await closed;
  }

  private accept(socket: WebSocket): void {
    const connection: Connection = {
      id: this.nextConnectionId++,
      socket,
      caps: new Set(),
      channels: new Set(),
      answersPings: true,
    };
    this.connections.add(connection);
    socket.on('message', (data: RawData, isBinary) => {
      for (const command of isBinary ? [] : rawText(data).split(/\r?\n/).map(parseClientLine)) {
        if (command && socket.readyState === OPEN) {
          this.handle(connection, command);
        }
      }
    });
    socket.on('error', () => socket.terminate());
    socket.on('close', () => {
      this.connections.delete(connection);
      [...connection.channels].forEach((channel) => this.leave(connection, channel, 'closed'));
    });
  }

  private handle(connection: Connection, { command, params }: ClientCommand): void {
    const login = connection.account?.login;
    switch (command) {
      case 'CAP':
        return this.cap(connection, params);
      case 'PASS':
        connection.pass = params[0];
        return;
      case 'NICK':
        return this.login(connection, params[0] ?? '');
      case 'PING':
        this.recordPing({ connectionId: connection.id, login, text: params.at(-1) ?? '', at: this.now() });
        if (connection.answersPings) {
          this.send(connection, [serverLine(undefined, TMI, 'PONG', [TMI], params[0] ?? TMI)]);
        }
        return;
      case 'PONG':
        return this.recordPong({
          connectionId: connection.id,
          login,
          text: params.at(-1) ?? '',
          at: this.now(),
        });
    }
    if (login === undefined) {
      return;
    }
    switch (command) {
      case 'JOIN':
        return (params[0] ?? '').split(',').forEach((channel) => this.join(connection, channel));
      case 'PART':
        return (params[0] ?? '')
          .split(',')
          .forEach((channel) => this.part(connection, channelLogin(channel)));
      case 'PRIVMSG':
        return this.privmsg(connection, channelLogin(params[0] ?? ''), params[1] ?? '');
      default:
        this.send(connection, [serverLine(undefined, TMI, '421', [login, command], 'Unknown command')]);
    }
  }

  private cap(connection: Connection, params: string[]): void {
    if (params[0] === 'LS') {
      this.send(connection, [serverLine(undefined, TMI, 'CAP', ['*', 'LS'], CAPABILITIES.join(' '))]);
    } else if (params[0] === 'REQ') {
      const wanted = (params[1] ?? '').split(' ').filter(Boolean);
      const known = wanted.every((cap) => CAPABILITIES.includes(cap));
      wanted.forEach((cap) => known && connection.caps.add(cap));
      this.send(connection, [
        serverLine(undefined, TMI, 'CAP', ['*', known ? 'ACK' : 'NAK'], wanted.join(' ')),
      ]);
    }
  }

  private login(connection: Connection, nick: string): void {
    const pass = connection.pass ?? '';
    const token = pass.startsWith('oauth:') ? pass.slice('oauth:'.length) : undefined;
    const account =
      token === undefined
        ? undefined
        : (this.accounts.get(token) ?? this.options.accounts?.chatAccountOf(token));
    if (!account || account.login !== nick.toLowerCase() || !hasScope(account, 'chat:read')) {
      const refusal = token === undefined ? 'Improperly formatted auth' : 'Login authentication failed';
      this.send(connection, [serverLine(undefined, TMI, 'NOTICE', ['*'], refusal)]);
      connection.socket.close();
      return;
    }
    connection.account = account;
    const lines = welcomeLines(account.login);
    if (connection.caps.has('twitch.tv/commands')) {
      const tags = globalUserstateTags(account.userId, displayName(account));
      lines.push(serverLine(this.tagsFor(connection, tags), TMI, 'GLOBALUSERSTATE', []));
    }
    this.send(connection, lines);
    this.recordLogin({ connectionId: connection.id, login: account.login });
  }

  private join(connection: Connection, channel: string): void {
    const login = connection.account!.login;
    const name = channelLogin(channel);
    if (!channel.startsWith('#') || !/^[a-z0-9_]+$/.test(name) || connection.channels.has(name)) {
      return;
    }
    if (!this.admitJoin(connection.id, login, name)) {
      return this.punish(connection);
    }
    if (this.suspended.has(name)) {
      const tags = this.tagsFor(connection, { 'msg-id': 'msg_channel_suspended' });
      const text = 'This channel does not exist or has been suspended.';
      return this.send(connection, [serverLine(tags, TMI, 'NOTICE', [`#${name}`], text)]);
    }
    connection.channels.add(name);
    const lines = [
      `:${userPrefix(login)} JOIN #${name}`,
      serverLine(undefined, `${login}.${TMI}`, '353', [login, '=', `#${name}`], login),
      serverLine(undefined, `${login}.${TMI}`, '366', [login, `#${name}`], 'End of /NAMES list'),
    ];
    if (connection.caps.has('twitch.tv/commands')) {
      lines.push(this.userstate(connection, name));
      lines.push(
        serverLine(this.tagsFor(connection, roomstateTags(this.roomId(name))), TMI, 'ROOMSTATE', [
          `#${name}`,
        ]),
      );
    }
    this.send(connection, lines);
    this.recordJoin(
      { connectionId: connection.id, login, channel: name, at: this.now() },
      this.membersOf(name).length,
    );
  }

  private part(connection: Connection, channel: string): void {
    if (connection.channels.has(channel)) {
      this.send(connection, [`:${userPrefix(connection.account!.login)} PART #${channel}`]);
      this.leave(connection, channel, 'part');
    }
  }

  private privmsg(connection: Connection, channel: string, text: string): void {
    const account = connection.account!;
    const badges = this.badges(channel, account.login);
    const allowed = channel !== '' && hasScope(account, 'chat:edit');
    const admitted =
      allowed &&
      this.admitMessage(connection.id, account.login, channel, badges.moderator || badges.broadcaster);
    this.recordMessage({
      connectionId: connection.id,
      login: account.login,
      channel,
      text,
      at: this.now(),
      delivered: admitted,
    });
    if (admitted) {
      const sender = { userId: account.userId, displayName: displayName(account) };
      const tags = privmsgTags(sender, badges, this.roomId(channel), this.now());
      for (const member of this.membersOf(channel).filter((other) => other !== connection)) {
        this.send(member, [
          serverLine(this.tagsFor(member, tags), userPrefix(account.login), 'PRIVMSG', [`#${channel}`], text),
        ]);
      }
      if (connection.caps.has('twitch.tv/commands')) {
        this.send(connection, [this.userstate(connection, channel)]);
      }
    } else if (allowed) {
      const notice = 'Your message was not sent because you are sending messages too quickly.';
      const tags = this.tagsFor(connection, { 'msg-id': 'msg_ratelimit' });
      this.send(connection, [serverLine(tags, TMI, 'NOTICE', [`#${channel}`], notice)]);
      this.punish(connection);
    }
  }

  private punish(connection: Connection): void {
    if (this.options.dropOnViolation) {
      connection.socket.terminate();
    }
  }

  private userstate(connection: Connection, channel: string): string {
    const account = connection.account!;
    const tags = userstateTags(displayName(account), this.badges(channel, account.login));
    return serverLine(this.tagsFor(connection, tags), TMI, 'USERSTATE', [`#${channel}`]);
  }

  private badges(channel: string, login: string): Badges {
    return { moderator: this.moderators.get(channel)?.has(login) ?? false, broadcaster: channel === login };
  }

  private leave(connection: Connection, channel: string, how: ChatPart['how']): void {
    connection.channels.delete(channel);
    const login = connection.account?.login ?? '';
    this.recordPart({ connectionId: connection.id, login, channel, at: this.now(), how });
  }

  private tagsFor(connection: Connection, tags: Record<string, string>): Record<string, string> | undefined {
    return connection.caps.has('twitch.tv/tags') ? tags : undefined;
  }

  private roomId(channel: string): string {
    if (!this.roomIds.has(channel)) {
      this.roomIds.set(channel, String(900_000 + this.roomIds.size));
    }
    return this.roomIds.get(channel)!;
  }

  private membersOf(channel: string): Connection[] {
    return [...this.connections].filter(
      (connection) => connection.channels.has(channel) && connection.socket.readyState === OPEN,
    );
  }

  /** Runs `act` on every open logged-in connection (of `login`, when given); returns how many. */
  private each(login: string | undefined, act: (connection: Connection) => void): number {
    const chosen = [...this.connections].filter(
      (connection) =>
        connection.account !== undefined &&
        connection.socket.readyState === OPEN &&
        (login === undefined || connection.account.login === login),
    );
    chosen.forEach(act);
    return chosen.length;
  }

  private send(connection: Connection, lines: string[]): void {
    if (lines.length > 0 && connection.socket.readyState === OPEN) {
      connection.socket.send(lines.map((line) => `${line}\r\n`).join(''));
    }
  }
}

function hasScope(account: ChatAccount, scope: string): boolean {
  return account.scopes === undefined || account.scopes.includes(scope);
}

function displayName(account: ChatAccount): string {
  return account.displayName ?? account.login;
}

function rawText(data: RawData): string {
  return Array.isArray(data)
    ? Buffer.concat(data).toString('utf8')
    : Buffer.from(data as ArrayBuffer).toString('utf8');
}
