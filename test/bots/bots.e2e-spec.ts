import { EventEmitter2 } from '@nestjs/event-emitter';
import { ChatEvents, type ViewerMessage } from '../../src/common';
import { DonationEvents } from '../../src/donations';
import { EventBus } from '../../libs/event-bus';
import type { BotView } from '../../src/bots';
import { BotsRepository } from '../../src/bots/bots.repository';
import { ADMIN_API_KEY } from '../support/admin';
import { linesIn, startBotsRig, storeDonation, type BotInstance, type BotsRig } from '../support/bots';
import { DEPLOYMENTS, type Deployment } from '../support/deployments';
import { sessionCookie } from '../support/overlay';
import { waitFor, within } from '../support/waiting';

describe.each<Deployment>(DEPLOYMENTS)('Chat bot (%s)', (deployment) => {
  let rig: BotsRig;
  let instance: BotInstance;

  beforeAll(async () => {
    rig = await startBotsRig(deployment);
    instance = await rig.boot();
  });

  afterAll(async () => {
    await rig?.close();
  });

  function api(streamerId: string, path = '/api/bot', init: RequestInit = {}): Promise<Response> {
    return fetch(`${instance.origin}${path}`, {
      ...init,
      headers: {
        cookie: sessionCookie(instance, streamerId),
        'content-type': 'application/json',
        ...(init.headers as Record<string, string> | undefined),
      },
    });
  }

  async function cardOf(streamerId: string): Promise<BotView> {
    return (await (await api(streamerId)).json()) as BotView;
  }

  async function bodyOf<T>(res: Response): Promise<T> {
    return (await res.json()) as T;
  }

  async function saveSettings(streamerId: string, body: Record<string, unknown>): Promise<Response> {
    return api(streamerId, '/api/bot', { method: 'PUT', body: JSON.stringify(body) });
  }

  it('joins the channel of a streamer who logged in, once, and shows it on the card', async () => {
    const streamer = await rig.streamer(instance);

    expect(rig.chat.currentMembers(streamer.channel)).toEqual([
      expect.objectContaining({ login: streamer.user.login }),
    ]);
    await waitFor(async () => (await cardOf(streamer.streamerId)).status === 'connected', {
      what: 'the card saying connected',
    });
    const card = await cardOf(streamer.streamerId);
    expect(card).toMatchObject({
      enabled: true,
      template: 'Спасибо, {name}, за {amount} {currency}! {message}',
      thankTestAlerts: false,
      status: 'connected',
      owner: instance.config.app.instanceId,
      canSpeak: true,
      speaksAs: streamer.user.login,
    });
  });

  it('thanks a donation once, however many channels and announcements bring it', async () => {
    const streamer = await rig.streamer(instance);
    const first = await storeDonation(instance, streamer.streamerId, 'poll', {
      externalId: 'same-1',
      donorName: 'Маша',
      amount: '150.00',
      message: 'Удачи!',
    });
    for (const channel of ['webhook', 'realtime'] as const) {
      await expect(
        storeDonation(instance, streamer.streamerId, channel, { externalId: 'same-1' }),
      ).resolves.toBeUndefined();
    }
    // An announcement repeated after a crash (DonationAnnouncer.announcePending) reaches the bot again.
    await instance.app.get(EventBus).publish(DonationEvents.received, first);
    // The marker waits for the first line: stored while that one still waited for the chat budget, it would be
    // merged into it (one line for both), which is the queue's job but not what this test looks at.
    await linesIn(rig.chat, streamer.channel, 1);
    const marker = await storeDonation(instance, streamer.streamerId, 'poll', {
      donorName: 'Маркер',
      message: null,
    });

    const lines = await linesIn(rig.chat, streamer.channel, 2);
    expect(lines.map(({ text }) => text)).toEqual([
      'Спасибо, Маша, за 150 RUB! Удачи!',
      'Спасибо, Маркер, за 100 RUB!',
    ]);
    expect(marker).toBeDefined();
  });

  it('calls an anonymous donor «Аноним»', async () => {
    const streamer = await rig.streamer(instance);
    await storeDonation(instance, streamer.streamerId, 'realtime', { donorName: null, message: null });
    const [line] = await linesIn(rig.chat, streamer.channel, 1);
    expect(line.text).toBe('Спасибо, Аноним, за 100 RUB!');
  });

  it('saves a template and uses it; refuses a bad placeholder with a field message and saves nothing', async () => {
    const streamer = await rig.streamer(instance);

    const refused = await saveSettings(streamer.streamerId, { template: 'Спасибо, {nick}!' });
    expect(refused.status).toBe(400);
    expect((await bodyOf<{ errors: unknown }>(refused)).errors).toEqual({
      template: ['template has unknown placeholder(s) {nick}; use {name} {amount} {currency} {message}'],
    });
    expect((await cardOf(streamer.streamerId)).template).toBe(
      'Спасибо, {name}, за {amount} {currency}! {message}',
    );

    const saved = await saveSettings(streamer.streamerId, { template: '{name} ❤ {amount} {currency}' });
    expect(saved.status).toBe(200);
    expect((await bodyOf<BotView>(saved)).template).toBe('{name} ❤ {amount} {currency}');
    await storeDonation(instance, streamer.streamerId, 'poll', { donorName: 'Петя' });
    const [line] = await linesIn(rig.chat, streamer.channel, 1);
    expect(line.text).toBe('Петя ❤ 100 RUB');
  });

  it('refuses unknown fields and wrong types with field messages, a request without a session, an unknown streamer', async () => {
    const streamer = await rig.streamer(instance);
    const res = await saveSettings(streamer.streamerId, { enabled: 'yes', volume: 3 });
    expect(res.status).toBe(400);
    expect(Object.keys((await bodyOf<{ errors: object }>(res)).errors).sort()).toEqual(['enabled', 'volume']);
    expect((await fetch(`${instance.origin}/api/bot`)).status).toBe(401);
    // A session of a streamer who no longer exists.
    expect((await api('00000000-0000-0000-0000-000000000000')).status).toBe(404);
  });

  it('thanks test alerts only when the streamer ticked «и для тестовых»', async () => {
    const streamer = await rig.streamer(instance);
    await storeDonation(instance, streamer.streamerId, 'test', { donorName: 'Тест 1' });
    // Lines go out in the order their donations were announced: once this one is out, the test alert was handled.
    await storeDonation(instance, streamer.streamerId, 'poll', { donorName: 'Настоящий' });
    await linesIn(rig.chat, streamer.channel, 1);
    await saveSettings(streamer.streamerId, { thankTestAlerts: true });
    await storeDonation(instance, streamer.streamerId, 'test', { donorName: 'Тест 2' });

    const lines = await linesIn(rig.chat, streamer.channel, 2);
    expect(lines.map(({ text }) => text)).toEqual([
      'Спасибо, Настоящий, за 100 RUB! Привет!',
      'Спасибо, Тест 2, за 100 RUB! Привет!',
    ]);
  });

  it('answers !donate and !донат with the DonationAlerts page, at most once per cooldown', async () => {
    const streamer = await rig.streamer(instance);
    const code = `page_${streamer.user.login}`;
    await connectDonationAlertsFor(streamer.streamerId, code);
    const viewer = { userId: '555', login: 'viewer', displayName: 'Viewer' };

    rig.chat.say(streamer.channel, viewer, '!donate');
    const [answer] = await linesIn(rig.chat, streamer.channel, 1);
    expect(answer.text).toBe(`Поддержать стрим: https://www.donationalerts.com/r/${code}`);
    rig.chat.say(streamer.channel, viewer, '!донат please');
    const marker = await storeDonation(instance, streamer.streamerId, 'poll', { donorName: 'После' });
    await linesIn(rig.chat, streamer.channel, 2);
    expect(rig.chat.messages.filter((m) => m.channel === streamer.channel).map(({ text }) => text)).toEqual([
      answer.text,
      'Спасибо, После, за 100 RUB! Привет!',
    ]);
    expect(marker).toBeDefined();
  });

  it("announces a viewer's line in-process for the avatars, but not the bot's own", async () => {
    const streamer = await rig.streamer(instance);
    const seen: ViewerMessage[] = [];
    const listener = (message: ViewerMessage) =>
      message.streamerId === streamer.streamerId && seen.push(message);
    instance.app.get(EventEmitter2).on(ChatEvents.viewerMessage, listener);
    try {
      rig.chat.say(streamer.channel, { userId: '777', login: 'fan', displayName: 'Fan' }, 'привет', {
        'tmi-sent-ts': '1700000000000',
      });
      await waitFor(() => seen.length === 1, { what: 'the viewer message' });
      expect(seen).toEqual([
        {
          streamerId: streamer.streamerId,
          userId: '777',
          login: 'fan',
          displayName: 'Fan',
          text: 'привет',
          sentAt: 1_700_000_000_000,
        },
      ]);
    } finally {
      instance.app.get(EventEmitter2).off(ChatEvents.viewerMessage, listener);
    }
  });

  it('leaves the channel when the streamer switches the bot off, and thanks nobody meanwhile', async () => {
    const streamer = await rig.streamer(instance);
    const parted = rig.chat.nextPart(streamer.channel);

    const res = await saveSettings(streamer.streamerId, { enabled: false });
    expect((await bodyOf<BotView>(res)).status).toBe('disabled');
    await within(parted, 5000, 'the bot leaving');
    await storeDonation(instance, streamer.streamerId, 'poll');
    await instance.bots.watchdog();
    expect(rig.chat.currentMembers(streamer.channel)).toEqual([]);
    expect(rig.chat.messages.filter((m) => m.channel === streamer.channel)).toEqual([]);

    const joined = rig.chat.nextJoin(streamer.channel);
    await saveSettings(streamer.streamerId, { enabled: true });
    await within(joined, 5000, 'the bot coming back');
  });

  it('releases a claim only for the epoch that made it, so an unsent thank-you can be claimed again', async () => {
    const streamer = await rig.streamer(instance);
    await saveSettings(streamer.streamerId, { enabled: false });
    const donation = (await storeDonation(instance, streamer.streamerId, 'poll'))!;
    const repository = instance.app.get(BotsRepository);
    const claim = (epoch: number) =>
      repository.claimThanks(streamer.streamerId, [donation.id], epoch, Date.now());

    await expect(claim(7)).resolves.toEqual([donation.id]);
    await expect(claim(8)).resolves.toEqual([]);
    await repository.releaseThanks(streamer.streamerId, [donation.id], 8);
    await expect(repository.thanked([donation.id])).resolves.toEqual([donation.id]);
    await repository.releaseThanks(streamer.streamerId, [donation.id], 7);
    await expect(repository.thanked([donation.id])).resolves.toEqual([]);
    await expect(claim(8)).resolves.toEqual([donation.id]);
  });

  it('lists bots for the admin and reconnects one on request; an unknown streamer is a 404', async () => {
    const streamer = await rig.streamer(instance);
    const admin = { authorization: `Bearer ${ADMIN_API_KEY}` };

    const list = await fetch(`${instance.origin}/api/bots`, { headers: admin });
    expect(list.status).toBe(200);
    expect(await bodyOf<unknown[]>(list)).toContainEqual({
      streamerId: streamer.streamerId,
      login: streamer.user.login,
      status: 'connected',
      owner: instance.config.app.instanceId,
      since: expect.any(Number),
      lastError: null,
      messagesSent: 0,
      reconnects: 0,
    });
    expect((await fetch(`${instance.origin}/api/bots`)).status).toBe(401);

    const rejoined = rig.chat.nextJoin(streamer.channel);
    const restart = await fetch(`${instance.origin}/api/bots/${streamer.streamerId}/restart`, {
      method: 'POST',
      headers: admin,
    });
    expect(restart.status).toBe(202);
    await within(rejoined, 5000, 'the bot joining again');
    const unknown = await fetch(`${instance.origin}/api/bots/00000000-0000-0000-0000-000000000000/restart`, {
      method: 'POST',
      headers: admin,
    });
    expect(unknown.status).toBe(404);
  });

  it('reports the bots on /health and /metrics', async () => {
    const streamer = await rig.streamer(instance);
    await storeDonation(instance, streamer.streamerId, 'poll');
    await linesIn(rig.chat, streamer.channel, 1);

    const health = (await (await fetch(`${instance.origin}/health`)).json()) as {
      details: { bots: Record<string, unknown> };
    };
    expect(health.details.bots).toMatchObject({ status: 'up', enabled: true, ownedHere: expect.any(Number) });
    const { active, wanted, byStatus } = health.details.bots as {
      active: number;
      wanted: number;
      byStatus: Record<string, number>;
    };
    expect(active).toBeGreaterThan(0);
    expect(wanted).toBeGreaterThanOrEqual(active);
    expect(byStatus.connected).toBeGreaterThan(0);

    const metrics = await (await fetch(`${instance.origin}/metrics`)).text();
    expect(metrics).toMatch(/^bots_active\{status="connected"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^bot_messages_sent_total\{kind="thanks"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^bot_send_queue_depth 0$/m);
    expect(metrics).toMatch(/^bot_reconnects_total \d+$/m);
  });

  async function connectDonationAlertsFor(streamerId: string, code: string): Promise<void> {
    const { mintDonationAlertsTokens } = await import('../support/donation-alerts');
    const { OAuthCredentialsRepository } = await import('../../src/oauth');
    const daUserId = 9_100_000 + Math.floor(Math.random() * 100_000);
    rig.fakes.da.addUser({ id: daUserId, code, name: code });
    const tokens = await mintDonationAlertsTokens(rig.fakes.da, daUserId);
    await instance.app.get(OAuthCredentialsRepository).save({
      streamerId,
      provider: 'donationalerts',
      accountId: String(daUserId),
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      expiresAt: Date.now() + tokens.expiresIn * 1000,
      scopes: ['oauth-user-show'],
    });
  }
});
