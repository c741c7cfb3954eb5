import { once } from 'node:events';
import { WebSocket } from 'ws';
import { within } from '../support/waiting';
import { WebClient } from '../support/web-client';
import { FakeTwitch } from './fake-twitch';
import { FakeTwitchChat, TWITCH_CHAT_LIMITS } from './fake-twitch-chat';

const WAIT_MS = 5000;
const CALLBACK = 'http://127.0.0.1:1/auth/twitch/callback';
const BOT = { userId: '2001', login: 'donation_bot', displayName: 'Donation_Bot' };
const STREAMER = { userId: '1001', login: 'streamer_one', displayName: 'Streamer_One' };
const VIEWER = { userId: '3001', login: 'viewer_one', displayName: 'Viewer One' };

/** A raw `ws` client that queues the lines of every frame, so tests await lines instead of sleeping. */
class IrcSocket {
  readonly frames: string[] = [];
  readonly closed: Promise<number>;
  private readonly lines: string[] = [];
  private waiter?: () => void;

  private constructor(readonly socket: WebSocket) {
    socket.on('error', () => undefined);
    socket.on('message', (data: Buffer) => {
      const frame = data.toString('utf8');
      this.frames.push(frame);
      this.lines.push(...frame.split('\r\n').filter((line) => line !== ''));
      this.waiter?.();
    });
    this.closed = new Promise((resolve) => {
      socket.on('close', (code) => {
        resolve(code);
        this.waiter?.();
      });
    });
  }

  static async open(url: string): Promise<IrcSocket> {
    const socket = new WebSocket(url);
    const irc = new IrcSocket(socket);
    await within(once(socket, 'open'), WAIT_MS, 'the socket to open');
    return irc;
  }

  /** Sends the lines in one frame, each ended by `\r\n`. */
  send(...lines: string[]): void {
    this.socket.send(lines.map((line) => `${line}\r\n`).join(''));
  }

  /** Takes the first line not taken yet that contains `text` (lines before it stay for later calls). */
  async next(text: string): Promise<string> {
    await within(
      new Promise<void>((resolve) => {
        const check = (): void => {
          const index = this.lines.findIndex((line) => line.includes(text));
          if (index >= 0 || this.socket.readyState === WebSocket.CLOSED) {
            this.waiter = undefined;
            resolve();
          } else {
            this.waiter = check;
          }
        };
        check();
      }),
      WAIT_MS,
      `a line with ${text}`,
    );
    const index = this.lines.findIndex((line) => line.includes(text));
    if (index < 0) {
      throw new Error(`the socket closed before a line with ${text}; got ${JSON.stringify(this.lines)}`);
    }
    return this.lines.splice(index, 1)[0];
  }

  /** Every line received so far and not taken by `next()`. */
  pending(): string[] {
    return [...this.lines];
  }

  close(): void {
    this.socket.terminate();
  }
}

describe(FakeTwitchChat.name, () => {
  let chat: FakeTwitchChat;
  let now: number;
  const sockets: IrcSocket[] = [];

  beforeEach(async () => {
    now = 1_700_000_000_000;
    chat = await FakeTwitchChat.start({ now: () => now });
    chat.addAccount('bot-token', BOT);
    chat.addAccount('streamer-token', STREAMER);
    chat.setRoomId('streamer_one', STREAMER.userId);
  });

  afterEach(async () => {
    sockets.splice(0).forEach((socket) => socket.close());
    await chat.close();
  });

  async function open(): Promise<IrcSocket> {
    const socket = await IrcSocket.open(chat.url);
    sockets.push(socket);
    return socket;
  }

  async function login(
    token = 'bot-token',
    nick = BOT.login,
    caps = 'twitch.tv/tags twitch.tv/commands',
  ): Promise<IrcSocket> {
    const socket = await open();
    socket.send(`CAP REQ :${caps}`, `PASS oauth:${token}`, `NICK ${nick}`);
    await socket.next(' 376 ');
    return socket;
  }

  async function joined(channel = 'streamer_one', token = 'bot-token', nick = BOT.login): Promise<IrcSocket> {
    const socket = await login(token, nick);
    socket.send(`JOIN #${channel}`);
    await socket.next(' USERSTATE #');
    await socket.next('ROOMSTATE');
    return socket;
  }

  describe('login', () => {
    it('acknowledges the capabilities and welcomes a good token with 001–004, the MOTD and GLOBALUSERSTATE', async () => {
      const socket = await open();
      socket.send('CAP REQ :twitch.tv/tags twitch.tv/commands', 'PASS oauth:bot-token', 'NICK donation_bot');

      expect(await socket.next('CAP')).toBe(':tmi.twitch.tv CAP * ACK :twitch.tv/tags twitch.tv/commands');
      expect(await socket.next(' 001 ')).toBe(':tmi.twitch.tv 001 donation_bot :Welcome, GLHF!');
      expect(await socket.next(' 002 ')).toBe(':tmi.twitch.tv 002 donation_bot :Your host is tmi.twitch.tv');
      await socket.next(' 003 ');
      await socket.next(' 004 ');
      await socket.next(' 375 ');
      expect(await socket.next(' 372 ')).toContain(':You are in a maze of twisty passages');
      expect(await socket.next(' 376 ')).toBe(':tmi.twitch.tv 376 donation_bot :>');
      const global = await socket.next('GLOBALUSERSTATE');
      expect(global).toMatch(
        /^@.*display-name=Donation_Bot;.*user-id=2001;.* :tmi\.twitch\.tv GLOBALUSERSTATE$/,
      );
      expect(socket.frames.some((frame) => frame.split('\r\n').length > 3)).toBe(true);
    });

    it("refuses an unknown token, or another login than the token's, with a NOTICE and closes", async () => {
      const unknown = await open();
      unknown.send('PASS oauth:nope', 'NICK donation_bot');
      expect(await unknown.next('NOTICE')).toBe(':tmi.twitch.tv NOTICE * :Login authentication failed');
      await within(unknown.closed, WAIT_MS, 'the close');

      const mismatch = await open();
      mismatch.send('PASS oauth:bot-token', 'NICK streamer_one');
      expect(await mismatch.next('NOTICE')).toContain(':Login authentication failed');
    });

    it('refuses a PASS without the oauth: prefix as improperly formatted', async () => {
      const socket = await open();
      socket.send('PASS bot-token', 'NICK donation_bot');
      expect(await socket.next('NOTICE')).toBe(':tmi.twitch.tv NOTICE * :Improperly formatted auth');
    });

    it('NAKs an unknown capability', async () => {
      const socket = await open();
      socket.send('CAP REQ :twitch.tv/tags example.com/nope');
      expect(await socket.next('CAP')).toBe(':tmi.twitch.tv CAP * NAK :twitch.tv/tags example.com/nope');
    });

    it('logs in with a live FakeTwitch token (chat:read needed) and refuses it once expired', async () => {
      const twitch = await FakeTwitch.start();
      try {
        twitch.addUser({ id: BOT.userId, login: BOT.login, display_name: BOT.displayName });
        const accounts = await FakeTwitchChat.start({ accounts: twitch });
        const web = new WebClient(twitch.baseUrl);
        const authorize = await web.get(
          `/oauth2/authorize?${new URLSearchParams({ client_id: twitch.clientId, redirect_uri: CALLBACK, response_type: 'code', scope: 'chat:read chat:edit' }).toString()}`,
        );
        const code = new URL(authorize.location ?? 'missing:').searchParams.get('code') ?? '';
        const tokens = await web.post('/oauth2/token', {
          client_id: twitch.clientId,
          client_secret: twitch.clientSecret,
          code,
          grant_type: 'authorization_code',
          redirect_uri: CALLBACK,
        });
        const token = (JSON.parse(tokens.text) as { access_token: string }).access_token;

        const good = await IrcSocket.open(accounts.url);
        good.send(`PASS oauth:${token}`, `NICK ${BOT.login}`);
        await good.next(' 001 ');
        twitch.expireAccessToken(token);
        const expired = await IrcSocket.open(accounts.url);
        expired.send(`PASS oauth:${token}`, `NICK ${BOT.login}`);
        expect(await expired.next('NOTICE')).toContain('Login authentication failed');
        good.close();
        expired.close();
        await accounts.close();
      } finally {
        await twitch.close();
      }
    });
  });

  describe('JOIN and PART', () => {
    it('answers JOIN with the JOIN echo, 353/366, USERSTATE and ROOMSTATE, and records the join', async () => {
      const socket = await login();
      socket.send('JOIN #streamer_one');

      expect(await socket.next('JOIN')).toBe(
        ':donation_bot!donation_bot@donation_bot.tmi.twitch.tv JOIN #streamer_one',
      );
      expect(await socket.next(' 353 ')).toBe(
        ':donation_bot.tmi.twitch.tv 353 donation_bot = #streamer_one :donation_bot',
      );
      expect(await socket.next(' 366 ')).toBe(
        ':donation_bot.tmi.twitch.tv 366 donation_bot #streamer_one :End of /NAMES list',
      );
      const userstate = await socket.next(' USERSTATE #');
      expect(userstate).toMatch(
        /^@.*;badges=;.*display-name=Donation_Bot;.*mod=0;.* USERSTATE #streamer_one$/,
      );
      expect(await socket.next('ROOMSTATE')).toMatch(
        /room-id=1001;.*:tmi\.twitch\.tv ROOMSTATE #streamer_one$/,
      );
      expect(chat.joins).toEqual([{ connectionId: 1, login: BOT.login, channel: 'streamer_one', at: now }]);
      expect(chat.currentMembers('#streamer_one')).toEqual([{ connectionId: 1, login: BOT.login }]);
    });

    it('says mod=1 in USERSTATE for a moderator, and the broadcaster badge in the own channel', async () => {
      chat.setModerator('streamer_one', BOT.login);
      const bot = await login();
      bot.send('JOIN #streamer_one');
      expect(await bot.next('USERSTATE #')).toMatch(/badges=moderator\/1;.*mod=1;.*user-type=mod /);

      const streamer = await login('streamer-token', STREAMER.login);
      streamer.send('JOIN #streamer_one');
      expect(await streamer.next('USERSTATE #')).toMatch(/badges=broadcaster\/1;.*mod=0;/);
    });

    it('leaves tags out without twitch.tv/tags and USERSTATE/ROOMSTATE out without twitch.tv/commands', async () => {
      const socket = await login('bot-token', BOT.login, 'twitch.tv/tags');
      socket.send('JOIN #streamer_one', 'PING :done');
      await socket.next('PONG');
      expect(socket.pending().join('\n')).not.toMatch(/USERSTATE|ROOMSTATE/);
      expect(socket.pending().every((line) => line.startsWith(':'))).toBe(true);

      const bare = await login('streamer-token', STREAMER.login, 'twitch.tv/commands');
      bare.send('JOIN #streamer_one');
      expect(await bare.next('USERSTATE #')).toMatch(/^:tmi\.twitch\.tv USERSTATE #streamer_one$/);
    });

    it('refuses to join a suspended channel with msg_channel_suspended', async () => {
      chat.suspendChannel('gone');
      const socket = await login();
      socket.send('JOIN #gone');
      expect(await socket.next('NOTICE')).toBe(
        '@msg-id=msg_channel_suspended :tmi.twitch.tv NOTICE #gone :This channel does not exist or has been suspended.',
      );
      expect(chat.currentMembers('gone')).toEqual([]);
    });

    it('joins a comma-separated list, answers PART, and records parts and the most members at once', async () => {
      const first = await login();
      first.send('JOIN #streamer_one,#other');
      await first.next('ROOMSTATE #other');
      const second = await joined('streamer_one', 'streamer-token', STREAMER.login);
      expect(chat.maxConcurrentJoins('streamer_one')).toBe(2);

      first.send('PART #streamer_one');
      expect(await first.next('PART')).toBe(
        ':donation_bot!donation_bot@donation_bot.tmi.twitch.tv PART #streamer_one',
      );
      second.close();
      await chat.nextPart('streamer_one');

      expect(chat.currentMembers('streamer_one')).toEqual([]);
      expect(chat.currentMembers('other')).toEqual([{ connectionId: 1, login: BOT.login }]);
      expect(chat.parts.map(({ channel, how, login }) => ({ channel, how, login }))).toEqual([
        { channel: 'streamer_one', how: 'part', login: BOT.login },
        { channel: 'streamer_one', how: 'closed', login: STREAMER.login },
      ]);
      expect(chat.maxConcurrentJoins('streamer_one')).toBe(2);
    });
  });

  describe('PRIVMSG', () => {
    it("records a client message, relays it with tags to the channel's other connections and answers USERSTATE", async () => {
      const bot = await joined();
      const streamer = await joined('streamer_one', 'streamer-token', STREAMER.login);
      const elsewhere = await joined('other', 'streamer-token', STREAMER.login);

      bot.send('PRIVMSG #streamer_one :Спасибо, Аноним; за 100 RUB!');

      const relayed = await streamer.next('PRIVMSG');
      expect(relayed).toMatch(
        /^@.*display-name=Donation_Bot;.*id=[0-9a-f-]{36};.*room-id=1001;.*user-id=2001;.* :donation_bot!donation_bot@donation_bot\.tmi\.twitch\.tv PRIVMSG #streamer_one :Спасибо, Аноним; за 100 RUB!$/,
      );
      expect(await bot.next(' USERSTATE #')).toContain('USERSTATE #streamer_one');
      expect(chat.messages).toEqual([
        {
          connectionId: 1,
          login: BOT.login,
          channel: 'streamer_one',
          text: 'Спасибо, Аноним; за 100 RUB!',
          at: now,
          delivered: true,
        },
      ]);
      bot.send('PING :sync');
      await bot.next('PONG');
      expect(bot.pending().some((line) => line.includes('PRIVMSG'))).toBe(false);
      elsewhere.send('PING :sync');
      await elsewhere.next('PONG');
      expect(elsewhere.pending().some((line) => line.includes('PRIVMSG'))).toBe(false);
    });

    it("delivers say() to every connection joined to the channel, with the viewer's tags", async () => {
      const bot = await joined();
      const streamer = await joined('streamer_one', 'streamer-token', STREAMER.login);

      expect(chat.say('#streamer_one', VIEWER, 'привет !donate')).toBe(2);

      for (const socket of [bot, streamer]) {
        const line = await socket.next('PRIVMSG');
        expect(line).toMatch(/^@badge-info=;badges=;.*display-name=Viewer\\sOne;.*id=[0-9a-f-]{36};/);
        expect(line).toMatch(/tmi-sent-ts=1700000000000;.*user-id=3001;/);
        expect(line).toMatch(
          / :viewer_one!viewer_one@viewer_one\.tmi\.twitch\.tv PRIVMSG #streamer_one :привет !donate$/,
        );
      }
      expect(chat.messages).toEqual([]);
    });

    it('drops a message from a token without chat:edit, as Twitch does', async () => {
      chat.addAccount('read-only', { ...VIEWER, scopes: ['chat:read'] });
      const reader = await joined('streamer_one', 'read-only', VIEWER.login);
      reader.send('PRIVMSG #streamer_one :hello');
      expect((await chat.nextMessage()).delivered).toBe(false);
    });
  });

  describe('PING and PONG', () => {
    it('answers a client PING with PONG and its argument, before login too', async () => {
      const socket = await open();
      socket.send('PING :tmi.twitch.tv');
      expect(await socket.next('PONG')).toBe(':tmi.twitch.tv PONG tmi.twitch.tv :tmi.twitch.tv');
    });

    it('sends PING :tmi.twitch.tv on ping() and records the PONG', async () => {
      const socket = await login();
      expect(chat.ping()).toBe(1);
      expect(await socket.next('PING')).toBe('PING :tmi.twitch.tv');
      const pong = chat.nextPong();
      socket.send('PONG :tmi.twitch.tv');
      expect(await pong).toEqual({ connectionId: 1, login: BOT.login, text: 'tmi.twitch.tv', at: now });
    });

    it('stops answering client PINGs after stopAnsweringPings()', async () => {
      const socket = await login();
      chat.stopAnsweringPings(BOT.login);
      socket.send('PING :lost', 'BOGUS');
      await socket.next(' 421 ');
      expect(socket.pending().filter((line) => line.includes('PONG'))).toEqual([]);
    });
  });

  describe('controls', () => {
    it('sends RECONNECT and cuts the connections of one login or all', async () => {
      const bot = await login();
      const streamer = await login('streamer-token', STREAMER.login);
      expect(chat.reconnectNotice(BOT.login)).toBe(1);
      expect(await bot.next('RECONNECT')).toBe(':tmi.twitch.tv RECONNECT');

      expect(chat.drop(BOT.login)).toBe(1);
      expect(await within(bot.closed, WAIT_MS, 'the drop')).toBe(1006);
      expect(chat.dropAll()).toBe(1);
      expect(await within(streamer.closed, WAIT_MS, 'the drop')).toBe(1006);
    });
  });

  describe('limits', () => {
    const { messages } = TWITCH_CHAT_LIMITS;

    /** Sends the messages in one frame; the PONG after them says the fake has handled them all. */
    async function sendMessages(socket: IrcSocket, count: number, channel = 'streamer_one'): Promise<void> {
      const lines = Array.from({ length: count }, (_, index) => `PRIVMSG #${channel} :line ${index}`);
      socket.send(...lines, 'PING :sent');
      await socket.next('PONG');
    }

    it('records a violation past 20 messages in 30 s, answers msg_ratelimit and delivers none of those', async () => {
      const bot = await joined();
      await sendMessages(bot, messages.limit + 2);

      expect(chat.messages.filter((message) => message.delivered)).toHaveLength(20);
      expect(chat.violations).toEqual([
        { connectionId: 1, login: BOT.login, channel: 'streamer_one', kind: 'messages', limit: 20, at: now },
        { connectionId: 1, login: BOT.login, channel: 'streamer_one', kind: 'messages', limit: 20, at: now },
      ]);
      expect(await bot.next('NOTICE')).toMatch(
        /^@msg-id=msg_ratelimit :tmi\.twitch\.tv NOTICE #streamer_one :/,
      );
      expect(chat.maxMessagesInWindow({ login: BOT.login })).toBe(20);
    });

    it('counts a sliding window: 30 s after the first message there is room again', async () => {
      const bot = await joined();
      await sendMessages(bot, 20);
      now += messages.windowMs - 1;
      await sendMessages(bot, 1);
      now += 1;
      await sendMessages(bot, 1);

      expect(chat.violations).toHaveLength(1);
      expect(
        chat.messagesInWindow(now - messages.windowMs + 1, now + 1).filter((m) => m.delivered),
      ).toHaveLength(1);
      expect(chat.maxMessagesInWindow({ channel: 'streamer_one' })).toBe(20);
    });

    it('allows 100 messages in 30 s to a moderator', async () => {
      chat.setModerator('streamer_one', BOT.login);
      const bot = await joined();
      await sendMessages(bot, messages.moderatorLimit + 1);

      expect(chat.violations).toEqual([expect.objectContaining({ kind: 'messages', limit: 100 })]);
    });

    it('records a violation past 20 JOINs in 10 s and leaves that channel unjoined', async () => {
      const bot = await login();
      const channels = Array.from({ length: 21 }, (_, index) => `#channel_${index}`);
      bot.send(`JOIN ${channels.join(',')}`);
      await bot.next('ROOMSTATE #channel_19');

      expect(chat.joins).toHaveLength(20);
      expect(chat.violations).toEqual([
        { connectionId: 1, login: BOT.login, channel: 'channel_20', kind: 'joins', limit: 20, at: now },
      ]);
      expect(chat.currentMembers('channel_20')).toEqual([]);
    });

    it('cuts the connection on a violation when dropOnViolation is set', async () => {
      const strict = await FakeTwitchChat.start({ dropOnViolation: true });
      strict.addAccount('bot-token', BOT);
      const socket = await IrcSocket.open(strict.url);
      socket.send(
        'PASS oauth:bot-token',
        `NICK ${BOT.login}`,
        ...Array.from({ length: 21 }, () => 'PRIVMSG #c :x'),
      );

      expect(await within(socket.closed, WAIT_MS, 'the drop')).toBe(1006);
      expect(strict.violations).toHaveLength(1);
      await strict.close();
    });
  });
});
