import { Logger } from '@nestjs/common';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { ChatTransportEvents } from '../../src/bots/chat/chat-transport';
import {
  IrcWsTransport,
  IrcWsTransportFactory,
  type IrcWsTimings,
} from '../../src/bots/chat/irc-ws-transport';
import { FakeTwitchChat } from '../fakes/fake-twitch-chat';
import { RecordingLogger } from '../support/recording-logger';
import { waitFor, within } from '../support/waiting';

const WAIT_MS = 5000;
const BOT = { userId: '2001', login: 'donation_bot', displayName: 'Donation_Bot' };
const STREAMER = { userId: '1001', login: 'streamer_one', displayName: 'Streamer_One' };
const VIEWER = { userId: '3001', login: 'viewer_one', displayName: 'Viewer One' };
const TIMINGS: IrcWsTimings = {
  idlePingMs: 60_000,
  pongTimeoutMs: 5_000,
  connectTimeoutMs: 5_000,
  joinTimeoutMs: 2_000,
};

function nextEvent<E extends keyof ChatTransportEvents>(
  transport: IrcWsTransport,
  event: E,
): Promise<ChatTransportEvents[E]> {
  return within(
    new Promise<ChatTransportEvents[E]>((resolve) => {
      const listener = (...args: ChatTransportEvents[E]): void => {
        transport.off(event, listener);
        resolve(args);
      };
      transport.on(event, listener);
    }),
    WAIT_MS,
    `the transport's ${event} event`,
  );
}

describe(IrcWsTransport.name, () => {
  let chat: FakeTwitchChat;
  const transports: IrcWsTransport[] = [];

  beforeEach(async () => {
    chat = await FakeTwitchChat.start();
    chat.addAccount('bot-token', BOT);
    chat.addAccount('streamer-token', STREAMER);
    chat.setRoomId('streamer_one', STREAMER.userId);
  });

  afterEach(async () => {
    await Promise.all(transports.splice(0).map((transport) => transport.close()));
    await chat.close();
  });

  function transport(timings: IrcWsTimings = TIMINGS, url = chat.url): IrcWsTransport {
    const created = new IrcWsTransport(url, timings);
    transports.push(created);
    return created;
  }

  async function connected(timings?: IrcWsTimings): Promise<IrcWsTransport> {
    const bot = transport(timings);
    await expect(bot.connect({ login: BOT.login, token: 'bot-token' })).resolves.toEqual({ ok: true });
    return bot;
  }

  it('logs in with the token, asking for tags and commands, and says connected', async () => {
    const bot = transport();
    const event = nextEvent(bot, 'connected');
    const login = chat.nextLogin(BOT.login);

    await expect(bot.connect({ login: 'Donation_Bot', token: 'oauth:bot-token' })).resolves.toEqual({
      ok: true,
    });

    await event;
    await expect(login).resolves.toEqual({ connectionId: 1, login: BOT.login });
    expect(bot.state).toBe('connected');
  });

  it('is made by its factory for the given URL', async () => {
    const bot = new IrcWsTransportFactory(chat.url, TIMINGS).create() as IrcWsTransport;
    transports.push(bot);
    await expect(bot.connect({ login: BOT.login, token: 'bot-token' })).resolves.toEqual({ ok: true });
  });

  it('joins a channel once the server confirms it, and reports USERSTATE without the mod flag', async () => {
    const bot = await connected();
    const userstate = nextEvent(bot, 'userstate');

    await expect(bot.join('#Streamer_One')).resolves.toBe(true);

    await expect(userstate).resolves.toEqual([
      { channel: 'streamer_one', isMod: false, isBroadcaster: false },
    ]);
    expect([...bot.channels]).toEqual(['streamer_one']);
    expect(chat.currentMembers('streamer_one')).toEqual([{ connectionId: 1, login: BOT.login }]);
  });

  it('reports the mod flag of a moderator, and the broadcaster in the own channel', async () => {
    chat.setModerator('streamer_one', BOT.login);
    const bot = await connected();
    const modState = nextEvent(bot, 'userstate');
    await bot.join('streamer_one');
    await expect(modState).resolves.toEqual([{ channel: 'streamer_one', isMod: true, isBroadcaster: false }]);

    const streamer = transport();
    await streamer.connect({ login: STREAMER.login, token: 'streamer-token' });
    const ownState = nextEvent(streamer, 'userstate');
    await streamer.join('streamer_one');
    await expect(ownState).resolves.toEqual([{ channel: 'streamer_one', isMod: false, isBroadcaster: true }]);
  });

  it("receives a viewer's line with the user and Twitch's tags", async () => {
    const bot = await connected();
    await bot.join('streamer_one');
    const message = nextEvent(bot, 'message');

    chat.say('streamer_one', VIEWER, 'привет; !donate \\o/');

    const [line] = await message;
    expect(line).toEqual({
      channel: 'streamer_one',
      user: { id: '3001', login: 'viewer_one', displayName: 'Viewer One' },
      text: 'привет; !donate \\o/',
      tags: expect.objectContaining({ 'room-id': '1001', 'user-id': '3001', 'display-name': 'Viewer One' }),
    });
    expect(line.tags.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(line.tags['tmi-sent-ts'])).toBeGreaterThan(0);
  });

  it('sends a line that the fake records and relays, and hears the USERSTATE after it', async () => {
    const bot = await connected();
    await bot.join('streamer_one');
    const streamer = transport();
    await streamer.connect({ login: STREAMER.login, token: 'streamer-token' });
    await streamer.join('streamer_one');
    const relayed = nextEvent(streamer, 'message');
    chat.setModerator('streamer_one', BOT.login);
    const userstate = nextEvent(bot, 'userstate');

    await expect(bot.send('streamer_one', 'Спасибо, Аноним, за 100 RUB!')).resolves.toBe(true);

    const [line] = await relayed;
    expect(line.user).toEqual({ id: BOT.userId, login: BOT.login, displayName: BOT.displayName });
    expect(line.text).toBe('Спасибо, Аноним, за 100 RUB!');
    expect(chat.messages).toEqual([
      expect.objectContaining({ login: BOT.login, channel: 'streamer_one', delivered: true }),
    ]);
    await expect(userstate).resolves.toEqual([
      { channel: 'streamer_one', isMod: true, isBroadcaster: false },
    ]);
  });

  it('turns line breaks in the text into spaces, so a donor name cannot smuggle in a command', async () => {
    const bot = await connected();
    await bot.join('streamer_one');
    const message = chat.nextMessage('streamer_one');

    await bot.send('streamer_one', 'Спасибо, x\r\nJOIN #other\r\nPRIVMSG #other :hi');

    await expect(message).resolves.toEqual(
      expect.objectContaining({ text: 'Спасибо, x JOIN #other PRIVMSG #other :hi' }),
    );
    expect(chat.joins.map((join) => join.channel)).toEqual(['streamer_one']);
  });

  it('tells a server notice apart, such as a message dropped over the rate limit', async () => {
    const bot = await connected();
    await bot.join('streamer_one');
    const notice = nextEvent(bot, 'notice');

    await Promise.all(Array.from({ length: 21 }, (_, index) => bot.send('streamer_one', `line ${index}`)));

    await expect(notice).resolves.toEqual([
      { channel: 'streamer_one', msgId: 'msg_ratelimit', text: expect.stringContaining('too quickly') },
    ]);
  });

  it('answers false at once when Twitch refuses the join (a suspended channel)', async () => {
    chat.suspendChannel('gone');
    const bot = await connected({ ...TIMINGS, joinTimeoutMs: 60_000 });
    const notice = nextEvent(bot, 'notice');

    await expect(within(bot.join('gone'), WAIT_MS, 'the refusal')).resolves.toBe(false);

    await expect(notice).resolves.toEqual([
      { channel: 'gone', msgId: 'msg_channel_suspended', text: expect.any(String) },
    ]);
    expect(bot.channels.size).toBe(0);
  });

  it('answers false when the join is not confirmed in time (Twitch ignores JOINs past its limit)', async () => {
    const bot = await connected({ ...TIMINGS, joinTimeoutMs: 300 });
    const joins = await Promise.all(Array.from({ length: 20 }, (_, index) => bot.join(`channel_${index}`)));
    expect(joins.every(Boolean)).toBe(true);

    await expect(bot.join('channel_20')).resolves.toBe(false);

    expect(chat.violations).toEqual([expect.objectContaining({ kind: 'joins', channel: 'channel_20' })]);
  });

  it('answers false at once to a channel name that cannot be written', async () => {
    const bot = await connected({ ...TIMINGS, joinTimeoutMs: 60_000 });
    await expect(within(bot.join('two words'), WAIT_MS, 'the refusal')).resolves.toBe(false);
  });

  it('parts a channel once the server confirms it', async () => {
    const bot = await connected();
    await bot.join('streamer_one');

    await expect(bot.part('streamer_one')).resolves.toBe(true);

    expect(bot.channels.size).toBe(0);
    expect(chat.currentMembers('streamer_one')).toEqual([]);
  });

  it('answers false to join, part and send while not connected', async () => {
    const bot = transport();
    await expect(bot.join('streamer_one')).resolves.toBe(false);
    await expect(bot.part('streamer_one')).resolves.toBe(false);
    await expect(bot.send('streamer_one', 'hi')).resolves.toBe(false);
  });

  it('reports a refused token as an auth failure, without a disconnected event', async () => {
    const bot = transport();
    const authFailed = nextEvent(bot, 'authFailed');
    const disconnected = jest.fn();
    bot.on('disconnected', disconnected);

    await expect(bot.connect({ login: BOT.login, token: 'expired-token' })).resolves.toEqual({
      ok: false,
      reason: 'auth',
      detail: 'Login authentication failed',
    });

    await expect(authFailed).resolves.toEqual(['Login authentication failed']);
    expect(bot.state).toBe('disconnected');
    expect(disconnected).not.toHaveBeenCalled();
  });

  it('says disconnected (dropped) when the server cuts the connection, and forgets its channels', async () => {
    const bot = await connected();
    await bot.join('streamer_one');
    const disconnected = nextEvent(bot, 'disconnected');

    chat.drop(BOT.login);

    await expect(disconnected).resolves.toEqual([
      { reason: 'dropped', detail: expect.stringContaining('1006') },
    ]);
    expect(bot.state).toBe('disconnected');
    expect(bot.channels.size).toBe(0);
  });

  it('honours RECONNECT: says disconnected (reconnect) and leaves the server', async () => {
    const bot = await connected();
    await bot.join('streamer_one');
    const disconnected = nextEvent(bot, 'disconnected');

    chat.reconnectNotice(BOT.login);

    await expect(disconnected).resolves.toEqual([{ reason: 'reconnect', detail: expect.any(String) }]);
    await waitFor(() => chat.connectionCount() === 0, { what: 'the socket to close' });
    expect(chat.currentMembers('streamer_one')).toEqual([]);
  });

  it("answers the server's PING with PONG", async () => {
    await connected();
    const pong = chat.nextPong();

    chat.ping(BOT.login);

    await expect(within(pong, WAIT_MS, 'the PONG')).resolves.toEqual(
      expect.objectContaining({ text: 'tmi.twitch.tv' }),
    );
  });

  it('PINGs after a silence and stays connected while the server answers', async () => {
    const bot = await connected({ ...TIMINGS, idlePingMs: 100, pongTimeoutMs: 2_000 });
    const disconnected = jest.fn();
    bot.on('disconnected', disconnected);

    await waitFor(() => chat.pings.length >= 3, { what: 'three keepalive PINGs' });

    expect(chat.pings[0]).toEqual(expect.objectContaining({ login: BOT.login, text: 'tmi.twitch.tv' }));
    expect(disconnected).not.toHaveBeenCalled();
    expect(bot.state).toBe('connected');
  });

  it('says disconnected (dead) when its PING goes unanswered', async () => {
    const bot = await connected({ ...TIMINGS, idlePingMs: 100, pongTimeoutMs: 200 });
    const disconnected = nextEvent(bot, 'disconnected');

    chat.stopAnsweringPings(BOT.login);

    await expect(disconnected).resolves.toEqual([{ reason: 'dead', detail: 'no PONG within 200 ms' }]);
    await waitFor(() => chat.connectionCount() === 0, { what: 'the dead socket to be cut' });
  });

  it('says dead when no welcome comes in time', async () => {
    const mute = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(mute, 'listening');
    try {
      const url = `ws://127.0.0.1:${(mute.address() as AddressInfo).port}`;
      const bot = transport({ ...TIMINGS, connectTimeoutMs: 200 }, url);
      await expect(bot.connect({ login: BOT.login, token: 'bot-token' })).resolves.toEqual({
        ok: false,
        reason: 'dead',
        detail: 'no welcome within 200 ms',
      });
    } finally {
      mute.clients.forEach((client) => client.terminate());
      mute.close();
    }
  });

  it('resolves a failed connect (nothing listening) as dropped instead of throwing', async () => {
    const bot = transport(TIMINGS, 'ws://127.0.0.1:1');
    await expect(bot.connect({ login: BOT.login, token: 'bot-token' })).resolves.toEqual({
      ok: false,
      reason: 'dropped',
      detail: expect.stringContaining('ECONNREFUSED'),
    });
  });

  it('closes on request, and the server sees the channel left', async () => {
    const bot = await connected();
    await bot.join('streamer_one');
    const disconnected = nextEvent(bot, 'disconnected');

    await bot.close();

    await waitFor(() => chat.currentMembers('streamer_one').length === 0, { what: 'the channel to be left' });
    await expect(disconnected).resolves.toEqual([{ reason: 'closed', detail: 'closed by the caller' }]);
    expect(chat.parts).toEqual([expect.objectContaining({ channel: 'streamer_one', how: 'closed' })]);
  });

  it('connects again after a disconnect, when its owner decides to', async () => {
    const bot = await connected();
    const dropped = nextEvent(bot, 'disconnected');
    chat.drop(BOT.login);
    await dropped;

    await expect(bot.connect({ login: BOT.login, token: 'bot-token' })).resolves.toEqual({ ok: true });
    await expect(bot.join('streamer_one')).resolves.toBe(true);
    expect(chat.currentMembers('streamer_one')).toEqual([{ connectionId: 2, login: BOT.login }]);
  });

  it('keeps going, and logs, when a listener throws', async () => {
    const logs = new RecordingLogger();
    Logger.overrideLogger(logs);
    const bot = await connected();
    await bot.join('streamer_one');
    bot.on('message', () => {
      throw new Error('a buggy listener');
    });
    const first = nextEvent(bot, 'message');
    chat.say('streamer_one', VIEWER, 'one');
    await expect(first).resolves.toEqual([expect.objectContaining({ text: 'one' })]);

    const second = nextEvent(bot, 'message');
    chat.say('streamer_one', VIEWER, 'two');
    await expect(second).resolves.toEqual([expect.objectContaining({ text: 'two' })]);
    expect(logs.lines('IrcWsTransport')).toContain(
      '[IrcWsTransport] A chat "message" listener failed: a buggy listener',
    );
    expect(bot.state).toBe('connected');
  });
});
