import { randomBytes, randomUUID } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';

/**
 * How the server ends a connection in Centrifugo's v2 JSON protocol: a WebSocket close frame whose code is
 * `code` and whose reason is the JSON `{"reason":…,"reconnect":…}` (centrifuge Go `Disconnect.CloseText()`);
 * centrifuge-js 2.8.5 `_transport.onclose` parses that reason and reconnects only when `reconnect` is true.
 */
export interface CentrifugoDisconnect {
  code: number;
  reason: string;
  reconnect: boolean;
}

/** The disconnects of centrifuge Go v0.14 `disconnect.go` (the library Centrifugo v2 runs on). */
export const CENTRIFUGO_DISCONNECTS = {
  normal: { code: 3000, reason: 'normal', reconnect: true },
  shutdown: { code: 3001, reason: 'shutdown', reconnect: true },
  /** A connect with a token that does not verify (Centrifugo v2 `OnConnecting`). */
  invalidToken: { code: 3002, reason: 'invalid token', reconnect: false },
  /** Unparsable frames, commands before connect, a command without `id`, a second connect. */
  badRequest: { code: 3003, reason: 'bad request', reconnect: false },
  internalServerError: { code: 3004, reason: 'internal server error', reconnect: true },
  /** The connection's credentials ran out (its token expired and was not refreshed). */
  expired: { code: 3005, reason: 'expired', reconnect: true },
  subscriptionExpired: { code: 3006, reason: 'subscription expired', reconnect: true },
  stale: { code: 3007, reason: 'stale', reconnect: false },
  slow: { code: 3008, reason: 'slow', reconnect: true },
  forceReconnect: { code: 3011, reason: 'force reconnect', reconnect: true },
  forceDisconnect: { code: 3012, reason: 'force disconnect', reconnect: false },
  connectionLimit: { code: 3013, reason: 'connection limit', reconnect: false },
} as const satisfies Record<string, CentrifugoDisconnect>;

export type CentrifugoDisconnectName = keyof typeof CENTRIFUGO_DISCONNECTS;

/** The error replies of centrifuge Go v0.14 `errors.go` this fake gives. */
export const CENTRIFUGO_ERRORS = {
  /** Not given: Centrifugo v2 refuses a connect token that does not verify by closing with 3002 instead. */
  unauthorized: { code: 101, message: 'unauthorized' },
  permissionDenied: { code: 103, message: 'permission denied' },
  methodNotFound: { code: 104, message: 'method not found' },
  alreadySubscribed: { code: 105, message: 'already subscribed' },
  tokenExpired: { code: 109, message: 'token expired' },
} as const;

/** `src/json.js` of centrifuge-js 2.8.5. */
export const CENTRIFUGO_METHODS = {
  connect: 0,
  subscribe: 1,
  unsubscribe: 2,
  ping: 7,
  refresh: 10,
  subRefresh: 11,
} as const;

/** One command as a client sent it (one line of a frame), parsed but otherwise untouched. */
export interface CentrifugoCommand {
  id?: number;
  method?: number;
  params?: Record<string, unknown>;
}

export interface ReceivedCommand {
  /** The connection's client id; undefined for commands before (or refused at) connect. */
  client?: string;
  command: CentrifugoCommand;
}

export interface CentrifugoSubscription {
  client: string;
  channel: string;
}

/** How a connection of the user ended: the close code the server sent or the client's. */
export interface CentrifugoClosed {
  client: string;
  code: number;
  /** True when the fake closed it (drop, expiry, refusal), false when the client did. */
  byServer: boolean;
}

/** What the fake needs from the DonationAlerts fake: who a `socket_connection_token` belongs to. */
export interface CentrifugoAccounts {
  /** The user a token was issued to, and whether it is their current one (an older one has expired). */
  connectionTokenOwner(token: string): { userId: number; current: boolean } | undefined;
  /** Issues the user a new `socket_connection_token`; the old one counts as expired from now on. */
  rotateConnectionToken(userId: number): string;
}

export interface FakeCentrifugoOptions {
  /** `version` of the connect reply. */
  version?: string;
  /** See the property of the same name. */
  batchReplies?: boolean;
  /** See the property of the same name. */
  publicationOffsets?: boolean;
}

export interface PublishOptions {
  /** Only the socket with this client id gets the publication. */
  client?: string;
}

interface Connection {
  socket: WebSocket;
  client?: string;
  userId?: number;
  /** Channel → the offset of the last publication on it. */
  channels: Map<string, number>;
  commands: CentrifugoCommand[];
  /** Whose `commandsOf()` the commands go to: known once a connect named a user's token. */
  logUser?: number;
  /** How many of `commands` are in the user's log already. */
  logged: number;
  answersPings: boolean;
  silent: boolean;
  closedByServer: boolean;
}

interface SubscriptionGrant {
  client: string;
  channel: string;
}

export const CENTRIFUGO_PATH = '/connection/websocket';
const OPEN = 1;

/** The channel DonationAlerts pushes the user's donations on. */
export function donationChannel(userId: number): string {
  return `$alerts:donation_${userId}`;
}

/**
 * DonationAlerts' Centrifugo (v2, JSON protocol over WebSocket) as centrifuge-js 2.8.5 speaks to it: connect
 * with the user's `socket_connection_token`, subscribe to `$alerts:donation_<id>` with a token from
 * `POST /api/v1/centrifuge/subscribe`, pings, and publications of donations. Refusals follow centrifuge Go
 * v0.14 and Centrifugo v2: a token that never was one closes with 3002 "invalid token" (no reply); a
 * user's rotated-out token gets error 109 "token expired" (the socket stays open, as the server leaves it);
 * a subscribe token for another client or channel, or none, gets error 103, while one that never was a token
 * closes with 3002 (Centrifugo v2 verifies it as a JWT first); a command before connect, a command
 * without `id`, a second connect or a frame that is not JSON close with 3003 "bad request"; unknown
 * methods (refresh included) get error 104.
 */
export class FakeCentrifugo {
  /** Replies to one frame, and the publications of one `publish()` to one connection, share one frame. */
  batchReplies: boolean;
  /** Publications carry `offset` (per channel, from 1) next to the inner `data`, as newer servers send. */
  publicationOffsets: boolean;
  readonly version: string;

  private readonly server: Server;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly connections = new Set<Connection>();
  private readonly clientIds = new Map<number, string[]>();
  private readonly maxConcurrent = new Map<number, number>();
  private readonly commandLog = new Map<number, ReceivedCommand[]>();
  private readonly grants = new Map<string, SubscriptionGrant>();
  private readonly events = new EventEmitter();
  private port = 0;

  private constructor(
    private readonly accounts: CentrifugoAccounts,
    options: FakeCentrifugoOptions,
  ) {
    this.version = options.version ?? '2.8.5';
    this.batchReplies = options.batchReplies ?? false;
    this.publicationOffsets = options.publicationOffsets ?? false;
    this.events.setMaxListeners(0);
    this.server = createServer((_req, res) => {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found\n');
    });
    this.server.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
  }

  static async start(
    accounts: CentrifugoAccounts,
    options: FakeCentrifugoOptions = {},
  ): Promise<FakeCentrifugo> {
    const fake = new FakeCentrifugo(accounts, options);
    fake.server.listen(0, '127.0.0.1');
    await once(fake.server, 'listening');
    fake.port = (fake.server.address() as AddressInfo).port;
    return fake;
  }

  /** What `DA_CENTRIFUGO_URL` points at. */
  get url(): string {
    return `ws://127.0.0.1:${this.port}${CENTRIFUGO_PATH}`;
  }

  /** Open WebSockets (not closing), connected or not yet. */
  connectionCount(): number {
    return [...this.connections].filter((connection) => connection.socket.readyState === OPEN).length;
  }

  /** Client ids of the user's connected sockets open now. */
  connectionsOf(userId: number): string[] {
    return this.openOf(userId).map((connection) => connection.client as string);
  }

  /** The most connected sockets the user had open at once since start or `resetConnectionStats()`. */
  maxConcurrentConnectionsOf(userId: number): number {
    return this.maxConcurrent.get(userId) ?? 0;
  }

  /** The maxima start again from the connections open now. */
  resetConnectionStats(): void {
    this.maxConcurrent.clear();
    for (const connection of this.connections) {
      if (connection.userId !== undefined) {
        this.countConcurrent(connection.userId);
      }
    }
  }

  /** Every client id the user was given, oldest first. */
  clientIdsOf(userId: number): string[] {
    return [...(this.clientIds.get(userId) ?? [])];
  }

  /** The user's subscriptions on sockets open now. */
  subscriptionsOf(userId: number): CentrifugoSubscription[] {
    return this.openOf(userId).flatMap((connection) =>
      [...connection.channels.keys()].map((channel) => ({ client: connection.client as string, channel })),
    );
  }

  /** Every command received on the user's connections (the connect included), oldest first. */
  commandsOf(userId: number): ReceivedCommand[] {
    return (this.commandLog.get(userId) ?? []).map((received) => ({ ...received }));
  }

  /** Resolves with the client id of the user's next successful connect. */
  nextConnection(userId: number): Promise<string> {
    return this.next(`connect:${userId}`);
  }

  /** Resolves with the client id of the user's next successful subscribe. */
  nextSubscription(userId: number): Promise<string> {
    return this.next(`subscribe:${userId}`);
  }

  /** Resolves with the next command the user's connections receive (after it was handled). */
  nextCommand(userId: number): Promise<ReceivedCommand> {
    return this.next(`command:${userId}`);
  }

  /** Resolves when one of the user's connected sockets next closes, whichever side closed it. */
  nextClose(userId: number): Promise<CentrifugoClosed> {
    return this.next(`close:${userId}`);
  }

  /** Pings on the user's sockets open now go unanswered; everything else still flows. */
  stopAnsweringPings(userId: number): void {
    this.openOf(userId).forEach((connection) => (connection.answersPings = false));
  }

  /** The user's sockets open now send nothing at all (replies and publications are lost) but stay open. */
  silence(userId: number): void {
    this.openOf(userId).forEach((connection) => (connection.silent = true));
  }

  /** Undoes `stopAnsweringPings()` and `silence()` on the user's sockets open now. */
  resume(userId: number): void {
    this.openOf(userId).forEach((connection) => {
      connection.answersPings = true;
      connection.silent = false;
    });
  }

  /**
   * The server ends the user's sockets: without `disconnect`, abnormally (the TCP connection cut, the client
   * sees 1006); else with its close code and JSON reason. Returns how many sockets it closed.
   */
  drop(userId: number, disconnect?: CentrifugoDisconnect | CentrifugoDisconnectName): number {
    const open = this.openOf(userId);
    open.forEach((connection) => this.end(connection, disconnect));
    return open.length;
  }

  /** `drop()` for every open socket, connected or not. */
  dropAll(disconnect?: CentrifugoDisconnect | CentrifugoDisconnectName): number {
    const open = [...this.connections];
    open.forEach((connection) => this.end(connection, disconnect));
    return open.length;
  }

  /**
   * The user's `socket_connection_token` expires: they get a new one (from `GET /api/v1/user/oauth`), the old
   * one gets 109 "token expired" at connect, and their sockets close with 3005 "expired". Returns the new one.
   */
  expireConnectionToken(userId: number): string {
    const token = this.accounts.rotateConnectionToken(userId);
    this.drop(userId, 'expired');
    return token;
  }

  /** Sends `frame` as it is to the user's connected sockets (e.g. a server ping `{}` or garbage). */
  sendRaw(userId: number, frame: string): void {
    this.openOf(userId).forEach((connection) => this.send(connection, [frame]));
  }

  /**
   * Publishes each item on the user's donation channel to every socket subscribed to it, or only to the one
   * whose client id is `options.client` (a push the user's other sockets miss); returns how many sockets got
   * them.
   */
  publish(userId: number, items: unknown[], options: PublishOptions = {}): number {
    const channel = donationChannel(userId);
    const subscribed = this.openOf(userId).filter(
      (connection) =>
        connection.channels.has(channel) &&
        (options.client === undefined || connection.client === options.client),
    );
    for (const connection of subscribed) {
      const pushes = items.map((data) => {
        const offset = (connection.channels.get(channel) ?? 0) + 1;
        connection.channels.set(channel, offset);
        const publication = this.publicationOffsets ? { data, offset } : { data };
        return JSON.stringify({ result: { channel, data: publication } });
      });
      this.send(connection, pushes);
    }
    return subscribed.length;
  }

  /** The user a client id belongs to while its socket is connected and open. */
  ownerOfClient(client: string): number | undefined {
    return [...this.connections].find(
      (connection) => connection.client === client && connection.socket.readyState === OPEN,
    )?.userId;
  }

  /** What `POST /api/v1/centrifuge/subscribe` hands out: a JWT-shaped token for this client and channel. */
  issueSubscriptionToken(client: string, channel: string): string {
    const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
    const token = [
      part({ typ: 'JWT', alg: 'HS256' }),
      part({ client, channel, iat: Math.floor(Date.now() / 1000) }),
      randomBytes(32).toString('base64url'),
    ].join('.');
    this.grants.set(token, { client, channel });
    return token;
  }

  /** Terminates every socket and closes the server; waits still pending reject. */
  async close(): Promise<void> {
    this.events.emit('closing');
    this.connections.forEach((connection) => connection.socket.terminate());
    this.wss.close();
    if (!this.server.listening) {
      return;
    }
    const closed = once(this.server, 'close');
    this.server.close();
    this.server.closeAllConnections();
    await closed;
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (path !== CENTRIFUGO_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
  }

  private accept(socket: WebSocket): void {
    const connection: Connection = {
      socket,
      channels: new Map(),
      commands: [],
      logged: 0,
      answersPings: true,
      silent: false,
      closedByServer: false,
    };
    this.connections.add(connection);
    socket.on('message', (data, isBinary) => this.receive(connection, data, isBinary));
    socket.on('error', () => socket.terminate());
    socket.on('close', (code) => {
      this.connections.delete(connection);
      if (connection.userId !== undefined && connection.client !== undefined) {
        const closed: CentrifugoClosed = {
          client: connection.client,
          code,
          byServer: connection.closedByServer,
        };
        this.events.emit(`close:${connection.userId}`, closed);
      }
    });
  }

  private receive(connection: Connection, data: RawData, isBinary: boolean): void {
    if (connection.closedByServer) {
      return;
    }
    const text = isBinary ? '' : rawText(data);
    const lines = text.split('\n').filter((line) => line.trim() !== '');
    if (lines.length === 0) {
      this.end(connection, 'badRequest');
      return;
    }
    const replies: string[] = [];
    for (const line of lines) {
      const command = parseCommand(line);
      if (command !== undefined) {
        this.record(connection, command);
      }
      const outcome = command === undefined ? 'badRequest' : this.handle(connection, command, replies);
      if (outcome !== undefined) {
        this.send(connection, replies);
        this.end(connection, outcome);
        this.announce(connection, command);
        return;
      }
      this.announce(connection, command);
    }
    this.send(connection, replies);
  }

  private announce(connection: Connection, command: CentrifugoCommand | undefined): void {
    if (command !== undefined && connection.logUser !== undefined) {
      const received: ReceivedCommand = { client: connection.client, command };
      this.events.emit(`command:${connection.logUser}`, received);
    }
  }

  /** Handles one command, pushing its reply (if any); returns the disconnect that ends the socket, if any. */
  private handle(
    connection: Connection,
    command: CentrifugoCommand,
    replies: string[],
  ): CentrifugoDisconnectName | undefined {
    const method = command.method ?? CENTRIFUGO_METHODS.connect;
    if (method !== CENTRIFUGO_METHODS.connect && connection.client === undefined) {
      return 'badRequest';
    }
    if (typeof command.id !== 'number' || command.id <= 0) {
      return 'badRequest';
    }
    const reply = (body: { result: unknown } | { error: { code: number; message: string } }): void => {
      replies.push(JSON.stringify({ id: command.id, ...body }));
    };
    switch (method) {
      case CENTRIFUGO_METHODS.connect:
        return this.connect(connection, command, reply);
      case CENTRIFUGO_METHODS.subscribe:
        return this.subscribe(connection, command, reply);
      case CENTRIFUGO_METHODS.unsubscribe:
        connection.channels.delete(stringParam(command, 'channel') ?? '');
        reply({ result: {} });
        return undefined;
      case CENTRIFUGO_METHODS.ping:
        if (connection.answersPings) {
          reply({ result: {} });
        }
        return undefined;
      default:
        reply({ error: CENTRIFUGO_ERRORS.methodNotFound });
        return undefined;
    }
  }

  private connect(
    connection: Connection,
    command: CentrifugoCommand,
    reply: (body: { result: unknown } | { error: { code: number; message: string } }) => void,
  ): CentrifugoDisconnectName | undefined {
    if (connection.client !== undefined) {
      return 'badRequest';
    }
    const owner = this.accounts.connectionTokenOwner(stringParam(command, 'token') ?? '');
    if (!owner) {
      return 'invalidToken';
    }
    if (!owner.current) {
      this.attribute(connection, owner.userId);
      reply({ error: CENTRIFUGO_ERRORS.tokenExpired });
      return undefined;
    }
    const client = randomUUID();
    connection.client = client;
    connection.userId = owner.userId;
    this.clientIds.set(owner.userId, [...this.clientIdsOf(owner.userId), client]);
    this.attribute(connection, owner.userId);
    this.countConcurrent(owner.userId);
    reply({ result: { client, version: this.version } });
    this.events.emit(`connect:${owner.userId}`, client);
    return undefined;
  }

  private subscribe(
    connection: Connection,
    command: CentrifugoCommand,
    reply: (body: { result: unknown } | { error: { code: number; message: string } }) => void,
  ): CentrifugoDisconnectName | undefined {
    const channel = stringParam(command, 'channel') ?? '';
    const token = stringParam(command, 'token') ?? '';
    const grant = this.grants.get(token);
    if (token !== '' && !grant) {
      return 'invalidToken';
    }
    if (!grant || grant.client !== connection.client || grant.channel !== channel) {
      reply({ error: CENTRIFUGO_ERRORS.permissionDenied });
      return undefined;
    }
    if (connection.channels.has(channel)) {
      reply({ error: CENTRIFUGO_ERRORS.alreadySubscribed });
      return undefined;
    }
    connection.channels.set(channel, 0);
    reply({ result: {} });
    this.events.emit(`subscribe:${connection.userId}`, connection.client);
    return undefined;
  }

  private record(connection: Connection, command: CentrifugoCommand): void {
    connection.commands.push(command);
    this.flushLog(connection);
  }

  /** From now on the connection's commands (those before too) count as the user's. */
  private attribute(connection: Connection, userId: number): void {
    connection.logUser = userId;
    this.flushLog(connection);
  }

  private flushLog(connection: Connection): void {
    if (connection.logUser === undefined) {
      return;
    }
    const log = this.commandLog.get(connection.logUser) ?? [];
    this.commandLog.set(connection.logUser, log);
    for (const command of connection.commands.slice(connection.logged)) {
      log.push({ client: connection.client, command });
    }
    connection.logged = connection.commands.length;
  }

  private send(connection: Connection, frames: string[]): void {
    if (frames.length === 0 || connection.silent || connection.socket.readyState !== OPEN) {
      return;
    }
    if (this.batchReplies) {
      connection.socket.send(frames.join('\n'));
    } else {
      frames.forEach((frame) => connection.socket.send(frame));
    }
  }

  private end(connection: Connection, disconnect?: CentrifugoDisconnect | CentrifugoDisconnectName): void {
    connection.closedByServer = true;
    if (disconnect === undefined) {
      connection.socket.terminate();
      return;
    }
    const { code, reason, reconnect } =
      typeof disconnect === 'string' ? CENTRIFUGO_DISCONNECTS[disconnect] : disconnect;
    connection.socket.close(code, JSON.stringify({ reason, reconnect }));
  }

  private openOf(userId: number): Connection[] {
    return [...this.connections].filter(
      (connection) => connection.userId === userId && connection.socket.readyState === OPEN,
    );
  }

  private countConcurrent(userId: number): void {
    const open = this.openOf(userId).length;
    this.maxConcurrent.set(userId, Math.max(this.maxConcurrentConnectionsOf(userId), open));
  }

  private next<T>(event: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const settle = (value: T): void => {
        this.events.off('closing', closing);
        resolve(value);
      };
      const closing = (): void => {
        this.events.off(event, settle);
        reject(new Error(`FakeCentrifugo closed while waiting for ${event}`));
      };
      this.events.once(event, settle);
      this.events.once('closing', closing);
    });
  }
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) {
    return Buffer.concat(data).toString('utf8');
  }
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}

function parseCommand(line: string): CentrifugoCommand | undefined {
  try {
    const parsed: unknown = JSON.parse(line);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function stringParam(command: CentrifugoCommand, name: string): string | undefined {
  const value = command.params?.[name];
  return typeof value === 'string' ? value : undefined;
}
