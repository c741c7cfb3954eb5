import { once } from 'node:events';
import { WebSocket } from 'ws';
import { within } from '../support/waiting';
import { WebClient, type WebResponse } from '../support/web-client';
import { CENTRIFUGO_DISCONNECTS, FakeCentrifugo, type CentrifugoCommand } from './fake-centrifugo';
import { FakeDonationAlerts, type DonationAlertsDonationsPage } from './fake-donationalerts';

/* eslint-disable @typescript-eslint/no-explicit-any -- replies are read as loosely as a client parses them */

const WAIT_MS = 5000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ALL_SCOPES = 'oauth-user-show oauth-donation-index oauth-donation-subscribe';

interface Closed {
  code: number;
  reason: string;
}

/** A plain `ws` client that queues frames and their lines, so tests await what arrives instead of sleeping. */
class TestSocket {
  readonly frames: string[] = [];
  readonly closed: Promise<Closed>;
  private readonly lines: any[] = [];
  private waiter?: () => void;

  private constructor(readonly socket: WebSocket) {
    socket.on('error', () => undefined);
    socket.on('message', (data: Buffer) => {
      const frame = data.toString('utf8');
      this.frames.push(frame);
      this.lines.push(...frame.split('\n').map((line) => JSON.parse(line) as unknown));
      this.waiter?.();
    });
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString('utf8') });
        this.waiter?.();
      });
    });
  }

  static async open(url: string): Promise<TestSocket> {
    const socket = new WebSocket(url);
    const test = new TestSocket(socket);
    await within(once(socket, 'open'), WAIT_MS, 'the socket to open');
    return test;
  }

  /** Sends the commands in one frame, separated by `\n` as centrifuge-js' JSON encoder does. */
  send(...commands: CentrifugoCommand[]): void {
    this.socket.send(commands.map((command) => JSON.stringify(command)).join('\n'));
  }

  /** The next reply or push (one line of a frame). */
  async next(): Promise<any> {
    await within(
      new Promise<void>((resolve) => {
        const check = (): void => {
          if (this.lines.length > 0 || this.socket.readyState === WebSocket.CLOSED) {
            this.waiter = undefined;
            resolve();
          } else {
            this.waiter = check;
          }
        };
        check();
      }),
      WAIT_MS,
      'the next reply',
    );
    if (this.lines.length === 0) {
      throw new Error('the socket closed before the next reply');
    }
    return this.lines.shift();
  }

  async call(command: CentrifugoCommand): Promise<any> {
    this.send(command);
    return this.next();
  }

  /** Resolves with the close the server sent (or 1006 for a cut connection). */
  async whenClosed(): Promise<Closed> {
    return within(this.closed, WAIT_MS, 'the socket to close');
  }

  close(): void {
    this.socket.terminate();
  }
}

describe(FakeCentrifugo.name, () => {
  const callback = 'http://127.0.0.1:1/donationalerts/callback';
  let da: FakeDonationAlerts;
  let centrifugo: FakeCentrifugo;
  let web: WebClient;
  const sockets: TestSocket[] = [];

  beforeEach(async () => {
    da = await FakeDonationAlerts.start();
    centrifugo = await da.startCentrifugo();
    da.addUser({ id: 501, code: 'streamer_one', name: 'Streamer One' });
    da.addUser({ id: 502, code: 'streamer_two', name: 'Streamer Two' });
    web = new WebClient(da.baseUrl);
  });

  afterEach(async () => {
    sockets.splice(0).forEach((socket) => socket.close());
    await da.close();
  });

  async function accessToken(userId = 501, scope = ALL_SCOPES): Promise<string> {
    da.nextLoginAs(userId);
    const authorized = await web.get(
      `/oauth/authorize?${new URLSearchParams({
        client_id: da.clientId,
        redirect_uri: callback,
        response_type: 'code',
        scope,
      }).toString()}`,
    );
    const response = await web.post('/oauth/token', {
      grant_type: 'authorization_code',
      client_id: da.clientId,
      client_secret: da.clientSecret,
      redirect_uri: callback,
      code: new URL(authorized.location ?? 'missing:').searchParams.get('code') ?? '',
    });
    return (JSON.parse(response.text) as { access_token: string }).access_token;
  }

  async function socketToken(token: string): Promise<string> {
    const response = await web.get('/api/v1/user/oauth', { headers: { authorization: `Bearer ${token}` } });
    return (JSON.parse(response.text) as { data: { socket_connection_token: string } }).data
      .socket_connection_token;
  }

  async function open(url = centrifugo.url): Promise<TestSocket> {
    const socket = await TestSocket.open(url);
    sockets.push(socket);
    return socket;
  }

  /** A socket connected with the user's current `socket_connection_token`, and its client id. */
  async function connected(token: string): Promise<[TestSocket, string]> {
    const socket = await open();
    const reply = await socket.call({ params: { token: await socketToken(token) }, id: 1 });
    return [socket, reply.result.client as string];
  }

  async function subscribeTokens(token: string, body: unknown): Promise<WebResponse> {
    const response = await fetch(`${da.baseUrl}/api/v1/centrifuge/subscribe`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return {
      status: response.status,
      url: response.url,
      headers: response.headers,
      text: await response.text(),
    };
  }

  /** Connected and subscribed to the user's donation channel, the way the app does it. */
  async function subscribed(userId = 501): Promise<[TestSocket, string, string]> {
    const token = await accessToken(userId);
    const [socket, client] = await connected(token);
    const channel = `$alerts:donation_${userId}`;
    const granted = await subscribeTokens(token, { channels: [channel], client });
    const { channels } = JSON.parse(granted.text) as { channels: Array<{ channel: string; token: string }> };
    const reply = await socket.call({ params: { channel, token: channels[0].token }, method: 1, id: 2 });
    expect(reply).toEqual({ id: 2, result: {} });
    return [socket, client, token];
  }

  async function donationsList(token: string): Promise<DonationAlertsDonationsPage> {
    const response = await web.get('/api/v1/alerts/donations', {
      headers: { authorization: `Bearer ${token}` },
    });
    return JSON.parse(response.text) as DonationAlertsDonationsPage;
  }

  describe('connect', () => {
    it('answers a connect with the socket_connection_token with a new client id per connection', async () => {
      const token = await accessToken();
      const announced = centrifugo.nextConnection(501);

      const first = await open();
      const reply = await first.call({ params: { token: await socketToken(token) }, id: 1 });
      const [, second] = await connected(token);

      expect(centrifugo.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/connection\/websocket$/);
      expect(reply).toEqual({ id: 1, result: { client: expect.stringMatching(UUID), version: '2.8.5' } });
      await expect(within(announced, WAIT_MS, 'the connection')).resolves.toBe(reply.result.client);
      expect(second).not.toBe(reply.result.client);
      expect(centrifugo.clientIdsOf(501)).toEqual([reply.result.client, second]);
      expect(centrifugo.connectionsOf(501)).toEqual([reply.result.client, second]);
      expect(centrifugo.connectionsOf(502)).toEqual([]);
    });

    it('closes with 3002 "invalid token", reconnect false and no reply, for a token it never issued', async () => {
      const socket = await open();

      socket.send({ params: { token: 'not-a-token' }, id: 1 });

      expect(await socket.whenClosed()).toEqual({
        code: 3002,
        reason: '{"reason":"invalid token","reconnect":false}',
      });
      expect(socket.frames).toEqual([]);
      expect(centrifugo.connectionCount()).toBe(0);
    });

    it('closes with 3003 "bad request" for a command before connect, a frame not JSON, or a second connect', async () => {
      const early = await open();
      const garbage = await open();
      const [twice] = await connected(await accessToken());

      early.send({ id: 1, method: 7 });
      garbage.socket.send('hello');
      twice.send({ params: { token: 'again' }, id: 2 });

      const badRequest = { code: 3003, reason: '{"reason":"bad request","reconnect":false}' };
      expect(await early.whenClosed()).toEqual(badRequest);
      expect(await garbage.whenClosed()).toEqual(badRequest);
      expect(await twice.whenClosed()).toEqual(badRequest);
    });

    it('answers 404 for any other path', async () => {
      const socket = new WebSocket(centrifugo.url.replace('/connection/websocket', '/connection/other'));
      socket.on('error', () => undefined);
      const [, response] = (await within(once(socket, 'unexpected-response'), WAIT_MS, 'the answer')) as [
        unknown,
        { statusCode: number },
      ];
      socket.terminate();

      expect(response.statusCode).toBe(404);
    });
  });

  describe('subscribe', () => {
    it('subscribes with a token from POST /api/v1/centrifuge/subscribe for the connection', async () => {
      const token = await accessToken();
      const [socket, client] = await connected(token);
      const announced = centrifugo.nextSubscription(501);

      const granted = await subscribeTokens(token, { channels: ['$alerts:donation_501'], client });
      const body = JSON.parse(granted.text);
      const reply = await socket.call({
        params: { channel: '$alerts:donation_501', token: body.channels[0].token },
        method: 1,
        id: 2,
      });

      expect(granted.status).toBe(200);
      expect(body).toEqual({
        channels: [
          { channel: '$alerts:donation_501', token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/) },
        ],
      });
      expect(reply).toEqual({ id: 2, result: {} });
      await expect(within(announced, WAIT_MS, 'the subscription')).resolves.toBe(client);
      expect(centrifugo.subscriptionsOf(501)).toEqual([{ client, channel: '$alerts:donation_501' }]);
      expect(da.calls.centrifugeSubscribe).toBe(1);
      expect(da.centrifugeSubscribeCallsOf(501)).toBe(1);
    });

    it('refuses a subscribe token of another connection or channel with 103 "permission denied"', async () => {
      const token = await accessToken();
      const [socket, client] = await connected(token);
      const [, otherClient] = await connected(token);
      const granted = await subscribeTokens(token, {
        channels: ['$alerts:donation_501'],
        client: otherClient,
      });
      const foreignToken = (JSON.parse(granted.text) as { channels: Array<{ token: string }> }).channels[0]
        .token;

      const wrongClient = await socket.call({
        params: { channel: '$alerts:donation_501', token: foreignToken },
        method: 1,
        id: 2,
      });
      const wrongChannel = await socket.call({
        params: { channel: '$alerts:donation_502', token: foreignToken },
        method: 1,
        id: 3,
      });
      const noToken = await socket.call({ params: { channel: '$alerts:donation_501' }, method: 1, id: 4 });

      const denied = { code: 103, message: 'permission denied' };
      expect([wrongClient, wrongChannel, noToken]).toEqual([
        { id: 2, error: denied },
        { id: 3, error: denied },
        { id: 4, error: denied },
      ]);
      expect(centrifugo.subscriptionsOf(501)).toEqual([]);
      expect(client).not.toBe(otherClient);
    });

    it('closes with 3002 "invalid token" for a subscribe token it never issued', async () => {
      const [socket] = await connected(await accessToken());

      socket.send({ params: { channel: '$alerts:donation_501', token: 'a.b.c' }, method: 1, id: 2 });

      expect(await socket.whenClosed()).toEqual({
        code: 3002,
        reason: '{"reason":"invalid token","reconnect":false}',
      });
      expect(socket.frames).toHaveLength(1);
    });

    it('refuses at the endpoint: another user channel 403, another user client or a closed one 400, no scope 403, a bad body 422', async () => {
      const token = await accessToken(501);
      const [mine, client] = await connected(token);
      const [, theirs] = await connected(await accessToken(502));
      const narrow = await accessToken(501, 'oauth-user-show');

      const foreignChannel = await subscribeTokens(token, { channels: ['$alerts:donation_502'], client });
      const foreignClient = await subscribeTokens(token, {
        channels: ['$alerts:donation_501'],
        client: theirs,
      });
      const noScope = await subscribeTokens(narrow, { channels: ['$alerts:donation_501'], client });
      const badBody = await subscribeTokens(token, { channels: '$alerts:donation_501' });
      const gone = centrifugo.nextClose(501);
      mine.close();
      await within(gone, WAIT_MS, 'the server to see the close');
      const closedClient = await subscribeTokens(token, { channels: ['$alerts:donation_501'], client });

      expect([foreignChannel.status, foreignClient.status, noScope.status, badBody.status]).toEqual([
        403, 400, 403, 422,
      ]);
      expect(JSON.parse(badBody.text).errors).toEqual({
        channels: ['The channels field is required.'],
        client: ['The client field is required.'],
      });
      expect(closedClient.status).toBe(400);
      expect(da.calls.centrifugeSubscribe).toBe(5);
    });

    it('counts the endpoint against the application rate limit', async () => {
      const token = await accessToken();
      const [, client] = await connected(token);
      da.appRateLimit = 2;

      const statuses: number[] = [];
      for (let call = 0; call < 2; call += 1) {
        statuses.push((await subscribeTokens(token, { channels: ['$alerts:donation_501'], client })).status);
      }

      expect(statuses).toEqual([200, 429]);
      expect(da.rejectedForRate).toBe(1);
      expect(da.calls).toMatchObject({ userOauth: 1, centrifugeSubscribe: 2 });
    });
  });

  describe('publications', () => {
    it('pushes an added donation to the subscribed socket as the same object the REST list holds', async () => {
      const [socket, , token] = await subscribed();

      const added = da.addDonation(501, { amount: 250, message: 'hello' });
      const push = await socket.next();

      expect(push).toEqual({ result: { channel: '$alerts:donation_501', data: { data: added } } });
      expect((await donationsList(token)).data).toEqual([push.result.data.data]);
    });

    it('pushes without listing with push(), and lists without pushing with { push: false }', async () => {
      const [socket, , token] = await subscribed();

      const missed = da.addDonation(501, {}, { push: false });
      const pushedOnly = da.push(501, { message: 'only pushed' });
      const push = await socket.next();

      expect(push.result.data.data).toEqual(pushedOnly);
      expect(pushedOnly.id).toBeGreaterThan(missed.id);
      expect((await donationsList(token)).data.map((donation) => donation.id)).toEqual([missed.id]);
    });

    it('pushes to one socket of the user only when push() names its client', async () => {
      const [first, firstClient] = await subscribed();
      const [second] = await subscribed();

      const toFirst = da.push(501, { message: 'first only' }, { client: firstClient });
      const toBoth = da.push(501, { message: 'both' });

      expect((await first.next()).result.data.data).toEqual(toFirst);
      expect((await first.next()).result.data.data).toEqual(toBoth);
      expect((await second.next()).result.data.data).toEqual(toBoth);
      expect(centrifugo.publish(501, [{}], { client: 'no-such-client' })).toBe(0);
    });

    it('pushes only to sockets subscribed to the user channel', async () => {
      const [subscribedSocket] = await subscribed(501);
      const [other] = await subscribed(502);
      const [unsubscribed] = await connected(await accessToken(501));

      da.addDonation(501, { id: 7 });
      da.addDonation(502, { id: 8 });
      const pong = await unsubscribed.call({ id: 5, method: 7 });

      expect((await subscribedSocket.next()).result.data.data.id).toBe(7);
      expect((await other.next()).result.data.data.id).toBe(8);
      expect(pong).toEqual({ id: 5, result: {} });
    });

    it('batches the replies to one frame and the pushes of one addDonations() into one frame each when asked', async () => {
      const [socket] = await subscribed();
      centrifugo.batchReplies = true;
      centrifugo.publicationOffsets = true;
      socket.frames.splice(0);

      socket.send({ id: 3, method: 7 }, { id: 4, method: 7 });
      const pongs = [await socket.next(), await socket.next()];
      da.addDonations(501, [{ id: 11 }, { id: 12 }]);
      const pushes = [await socket.next(), await socket.next()];

      expect(pongs).toEqual([
        { id: 3, result: {} },
        { id: 4, result: {} },
      ]);
      expect(pushes.map((push): unknown[] => [push.result.data.data.id, push.result.data.offset])).toEqual([
        [11, 1],
        [12, 2],
      ]);
      expect(socket.frames).toHaveLength(2);
      expect(socket.frames.map((frame) => frame.split('\n').length)).toEqual([2, 2]);
    });
  });

  describe('keepalive', () => {
    it('answers pings, and stops answering them after stopAnsweringPings() while the rest still flows', async () => {
      const [socket] = await subscribed();

      const pong = await socket.call({ id: 3, method: 7 });
      centrifugo.stopAnsweringPings(501);
      socket.send({ id: 4, method: 7 });
      const unsubscribed = await socket.call({
        params: { channel: '$alerts:donation_501' },
        method: 2,
        id: 5,
      });
      centrifugo.resume(501);
      const again = await socket.call({ id: 6, method: 7 });

      expect(pong).toEqual({ id: 3, result: {} });
      expect(unsubscribed).toEqual({ id: 5, result: {} });
      expect(again).toEqual({ id: 6, result: {} });
    });

    it('sends nothing at all after silence(), the socket staying open, until resume()', async () => {
      const [socket] = await subscribed();

      centrifugo.silence(501);
      const handled = centrifugo.nextCommand(501);
      socket.send({ id: 3, method: 7 });
      await within(handled, WAIT_MS, 'the ping to arrive');
      da.addDonation(501, { id: 21 });
      centrifugo.resume(501);
      const pong = await socket.call({ id: 4, method: 7 });

      expect(pong).toEqual({ id: 4, result: {} });
      expect(socket.socket.readyState).toBe(WebSocket.OPEN);
      expect(centrifugo.connectionsOf(501)).toHaveLength(1);
    });

    it('answers an unknown method with 104 "method not found"', async () => {
      const [socket] = await connected(await accessToken());

      const reply = await socket.call({ id: 2, method: 10, params: { token: 'x' } });

      expect(reply).toEqual({ id: 2, error: { code: 104, message: 'method not found' } });
    });
  });

  describe('drops and expiry', () => {
    it('cuts the connection with drop() (the client sees 1006) and closes with a named disconnect', async () => {
      const token = await accessToken();
      const [cut] = await connected(token);
      const [closed, client] = await connected(token);
      const firstClose = centrifugo.nextClose(501);

      expect(centrifugo.drop(501)).toBe(2);
      expect(await cut.whenClosed()).toEqual({ code: 1006, reason: '' });
      expect(await closed.whenClosed()).toEqual({ code: 1006, reason: '' });
      await expect(within(firstClose, WAIT_MS, 'the close')).resolves.toMatchObject({ byServer: true });
      const [again, againClient] = await connected(token);
      centrifugo.drop(501, CENTRIFUGO_DISCONNECTS.forceReconnect);

      expect(await again.whenClosed()).toEqual({
        code: 3011,
        reason: '{"reason":"force reconnect","reconnect":true}',
      });
      expect(centrifugo.clientIdsOf(501)).toHaveLength(3);
      expect(againClient).not.toBe(client);
      expect(centrifugo.connectionsOf(501)).toEqual([]);
    });

    it('dropAll() closes every socket, connected or not', async () => {
      await connected(await accessToken(501));
      await connected(await accessToken(502));
      const waiting = await open();

      expect(centrifugo.dropAll('shutdown')).toBe(3);
      expect(await waiting.whenClosed()).toEqual({
        code: 3001,
        reason: '{"reason":"shutdown","reconnect":true}',
      });
    });

    it('expireConnectionToken() closes with 3005 "expired"; the old token then gets 109, the new one connects', async () => {
      const token = await accessToken();
      const oldSocketToken = await socketToken(token);
      const [socket] = await connected(token);

      const fresh = centrifugo.expireConnectionToken(501);
      const closed = await socket.whenClosed();
      const retry = await open();
      const refused = await retry.call({ params: { token: oldSocketToken }, id: 1 });
      const listed = await socketToken(token);
      const accepted = await retry.call({ params: { token: listed }, id: 2 });

      expect(closed).toEqual({ code: 3005, reason: '{"reason":"expired","reconnect":true}' });
      expect(refused).toEqual({ id: 1, error: { code: 109, message: 'token expired' } });
      expect(listed).toBe(fresh);
      expect(listed).not.toBe(oldSocketToken);
      expect(accepted).toEqual({ id: 2, result: { client: expect.stringMatching(UUID), version: '2.8.5' } });
    });
  });

  describe('test controls', () => {
    it('counts the most connections a user had open at once, until resetConnectionStats()', async () => {
      const token = await accessToken();
      const [first] = await connected(token);
      await connected(token);
      const waiting = await open();

      expect(centrifugo.connectionCount()).toBe(3);
      first.close();
      const gone = await within(centrifugo.nextClose(501), WAIT_MS, 'the close');
      await connected(token);

      expect(gone).toMatchObject({ code: 1006, byServer: false });
      expect(centrifugo.connectionsOf(501)).toHaveLength(2);
      expect(centrifugo.maxConcurrentConnectionsOf(501)).toBe(2);
      expect(centrifugo.maxConcurrentConnectionsOf(502)).toBe(0);
      const second = centrifugo.nextClose(501);
      centrifugo.drop(501, 'normal');
      await within(second, WAIT_MS, 'the drop');
      await connected(token);
      centrifugo.resetConnectionStats();
      expect(centrifugo.maxConcurrentConnectionsOf(501)).toBe(1);
      waiting.close();
    });

    it('records every command of the user, with the connection it came on', async () => {
      const [socket, client] = await subscribed();
      await socket.call({ id: 3, method: 7 });

      const commands = centrifugo.commandsOf(501);

      expect(
        commands.map((received) => [received.client, received.command.method ?? 0, received.command.id]),
      ).toEqual([
        [client, 0, 1],
        [client, 1, 2],
        [client, 7, 3],
      ]);
      expect(commands[0].command.params).toEqual({ token: expect.any(String) });
    });

    it('closes promptly with sockets open, rejecting pending waits', async () => {
      const [socket] = await connected(await accessToken());
      const pending = centrifugo.nextConnection(501);

      await within(da.close(), WAIT_MS, 'the close');

      await expect(pending).rejects.toThrow('closed');
      expect((await socket.whenClosed()).code).toBe(1006);
    });
  });
});
