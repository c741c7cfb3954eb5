import { DEFAULT_ALERT_SETTINGS, MAX_TIERS, type AlertSettings, type AlertView } from '../../src/alerts';
import type { DonationAlertData } from '../../src/overlay/overlay-event';
import type { StreamerEntity } from '../../src/streamers/entities/streamer.entity';
import { StreamersRepository } from '../../src/streamers/streamers.repository';
import { bootApp, INSTANCE_TEST_ENV, type ListeningTestApp } from '../support/app';
import { DEPLOYMENTS, createBackingServices, type BackingServices } from '../support/deployments';
import { ALERT_STREAM, ingestDonations, sampleDonation, sessionCookie } from '../support/overlay';
import { openSse, type SseConnection } from '../support/sse-client';
import { waitFor } from '../support/waiting';

interface FieldErrorsBody {
  message: string;
  errors: Record<string, string[]>;
}

const tier = (minAmount: unknown, overrides: Record<string, unknown> = {}) => ({
  minAmount,
  currency: 'RUB',
  ...overrides,
});

describe.each(DEPLOYMENTS)('Alert settings (%s)', (deployment) => {
  let services: BackingServices;
  let app: ListeningTestApp;
  /** Where the pages are: the other instance when there are two, so every change crosses instances. */
  let pages: ListeningTestApp;
  const open: SseConnection[] = [];
  let streamerNumber = 0;

  beforeAll(async () => {
    services = await createBackingServices(deployment);
    app = await bootApp({ ...INSTANCE_TEST_ENV, ...services.env }, { listen: true });
    pages =
      deployment === 'postgres+redis'
        ? await bootApp(
            { ...INSTANCE_TEST_ENV, ...services.env, DB_RUN_MIGRATIONS: 'false' },
            { listen: true },
          )
        : app;
  });

  afterEach(async () => {
    for (const connection of open.splice(0)) {
      connection.close();
      await connection.ended;
    }
  });

  afterAll(async () => {
    if (pages !== app) {
      await pages?.close();
    }
    await app?.close();
    await services?.close();
  });

  async function newStreamer(): Promise<StreamerEntity> {
    streamerNumber += 1;
    const n = `${deployment === 'sqlite' ? 1 : 2}${streamerNumber}${Date.now() % 100_000}`;
    return app.app.get(StreamersRepository).create({ twitchId: n, login: `a${n}`, displayName: `A${n}` });
  }

  function api(streamerId: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${app.origin}/api/alerts/settings`, {
      ...init,
      headers: { cookie: sessionCookie(app, streamerId), 'content-type': 'application/json' },
    });
  }

  const put = (streamerId: string, body: unknown) =>
    api(streamerId, { method: 'PUT', body: JSON.stringify(body) });

  async function settingsOf(streamerId: string): Promise<AlertSettings> {
    const res = await api(streamerId);
    expect(res.status).toBe(200);
    return (await res.json()) as AlertSettings;
  }

  async function alertStream(streamer: StreamerEntity): Promise<SseConnection> {
    const stream = await openSse(
      `${pages.origin}/overlay/${streamer.overlayToken!}/events`,
      {},
      ALERT_STREAM,
    );
    open.push(stream);
    await waitFor(() => stream.snapshot !== undefined, { what: 'the settings snapshot' });
    return stream;
  }

  async function nextAlert(stream: SseConnection): Promise<DonationAlertData> {
    const event = await stream.next();
    expect(event.event).toBe('donation');
    return JSON.parse(event.data) as DonationAlertData;
  }

  it('starts with the defaults, and asks for a session', async () => {
    const streamer = await newStreamer();
    await expect(settingsOf(streamer.id)).resolves.toEqual(DEFAULT_ALERT_SETTINGS);
    const anonymous = await fetch(`${app.origin}/api/alerts/settings`);
    expect(anonymous.status).toBe(401);
  });

  it('saves the sections sent, keeps the fields left out, and replaces lists whole', async () => {
    const streamer = await newStreamer();
    let res = await put(streamer.id, {
      text: { fontSizePx: 40, titleTemplate: '{name} задонатил {amount} {currency}' },
      tiers: [tier(100), tier(500, { imageId: null, volume: 30 })],
      moderation: { words: ['спойлер', 'дур*'] },
    });
    expect(res.status).toBe(200);
    res = await put(streamer.id, { tiers: [tier(1000)], tts: { enabled: true, minAmount: { default: 50 } } });
    expect(res.status).toBe(200);

    const saved = await settingsOf(streamer.id);
    expect(saved.text).toEqual({
      ...DEFAULT_ALERT_SETTINGS.text,
      fontSizePx: 40,
      titleTemplate: '{name} задонатил {amount} {currency}',
    });
    expect(saved.tiers).toEqual([
      {
        minAmount: 1000,
        currency: 'RUB',
        titleTemplate: null,
        messageTemplate: null,
        imageId: null,
        soundId: null,
        volume: 80,
        durationSeconds: null,
        color: null,
      },
    ]);
    expect(saved.tts).toEqual({
      ...DEFAULT_ALERT_SETTINGS.tts,
      enabled: true,
      minAmount: { default: 50, byCurrency: {} },
    });
    expect(saved.moderation).toEqual({ ...DEFAULT_ALERT_SETTINGS.moderation, words: ['спойлер', 'дур*'] });
    expect(saved.minimums).toEqual(DEFAULT_ALERT_SETTINGS.minimums);
  });

  it('refuses bad input with a message per field and saves none of it', async () => {
    const streamer = await newStreamer();
    const cases: Array<[unknown, string]> = [
      [{ text: { titleTemplate: 'Спасибо, {nick}!' } }, 'text.titleTemplate'],
      [{ text: { durationSeconds: 61 } }, 'text.durationSeconds'],
      [{ text: { durationSeconds: 1 } }, 'text.durationSeconds'],
      [{ text: { fontSizePx: null } }, 'text.fontSizePx'],
      [{ text: { textColor: 'red' } }, 'text.textColor'],
      [{ text: { layout: 'sideways' } }, 'text.layout'],
      [{ tiers: [tier('много')] }, 'tiers.0.minAmount'],
      [{ tiers: [tier(100), tier(-5)] }, 'tiers.1.minAmount'],
      [{ tiers: [tier(100, { currency: 'rubles' })] }, 'tiers.0.currency'],
      [{ tiers: [tier(100, { imageId: '../etc/passwd' })] }, 'tiers.0.imageId'],
      [{ tiers: Array.from({ length: MAX_TIERS + 1 }, (_, i) => tier(i)) }, 'tiers'],
      [{ minimums: { byCurrency: { RUB: 'fifty' } } }, 'minimums.byCurrency'],
      [{ minimums: { default: 0.001 } }, 'minimums.default'],
      [{ tts: { voice: 'klingon' } }, 'tts.voice'],
      [{ moderation: { action: 'ban' } }, 'moderation.action'],
      [{ moderation: { words: 'дурак' } }, 'moderation.words'],
      [{ colours: {} }, 'colours'],
      [{ text: 'big' }, 'text'],
    ];
    for (const [body, field] of cases) {
      const res = await put(streamer.id, body);
      const answer = (await res.json()) as FieldErrorsBody;
      expect({ body, status: res.status, fields: Object.keys(answer.errors ?? {}) }).toEqual({
        body,
        status: 400,
        fields: expect.arrayContaining([field]) as unknown,
      });
      expect(answer.errors[field].join(' ')).not.toBe('');
    }
    // One bad field spoils the whole body: the good section next to it is not saved either.
    const mixed = await put(streamer.id, { text: { fontSizePx: 50 }, tiers: [tier('x')] });
    expect(mixed.status).toBe(400);
    await expect(settingsOf(streamer.id)).resolves.toEqual(DEFAULT_ALERT_SETTINGS);
  });

  it('gives a new alert stream the current settings first, and open ones the change at once', async () => {
    const streamer = await newStreamer();
    const before = await alertStream(streamer);
    expect(JSON.parse(before.snapshot!.data)).toMatchObject({ fontSizePx: 32, layout: 'image-above' });
    await ingestDonations(app, streamer.id, [sampleDonation()]);
    const seen = await before.next();

    await put(streamer.id, { text: { fontSizePx: 48, layout: 'image-left', enter: 'zoom' } });
    const change = await before.next();
    expect(change.event).toBe('settings');
    expect(change.id).toBeDefined();
    const presentation = JSON.parse(change.data) as Record<string, unknown>;
    expect(presentation).toMatchObject({ fontSizePx: 48, layout: 'image-left', enter: 'zoom' });
    // Only what the page draws with: no templates, no moderation list.
    expect(Object.keys(presentation).sort()).toEqual(
      ['accentColor', 'backgroundColor', 'enter', 'exit', 'fontSizePx', 'layout', 'textColor'].sort(),
    );

    const after = await alertStream(streamer);
    expect(JSON.parse(after.snapshot!.data)).toMatchObject({ fontSizePx: 48, layout: 'image-left' });
    // A page coming back after the change gets the settings once, in the snapshot, not again in the replay.
    const back = await openSse(
      `${pages.origin}/overlay/${streamer.overlayToken!}/events`,
      { 'Last-Event-ID': seen.id! },
      ALERT_STREAM,
    );
    open.push(back);
    await waitFor(() => back.snapshot !== undefined, { what: 'the settings snapshot' });
    expect(JSON.parse(back.snapshot!.data)).toMatchObject({ fontSizePx: 48 });
    const [marker] = await ingestDonations(app, streamer.id, [sampleDonation()]);
    expect((await nextAlert(back)).donationId).toBe(marker.id);
    expect(back.events.map(({ event }) => event)).toEqual(['donation']);
  });

  it('plays the tier a test alert of an amount reaches, and refuses a bad amount without sending one', async () => {
    const streamer = await newStreamer();
    await put(streamer.id, {
      minimums: { default: 1000 },
      tiers: [tier(100), tier(500, { titleTemplate: 'Тир {amount} {currency}' })],
    });
    const stream = await alertStream(streamer);
    const testAlert = (body?: unknown) =>
      fetch(`${app.origin}/api/overlay/test-alert`, {
        method: 'POST',
        headers: { cookie: sessionCookie(app, streamer.id), 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });

    const bad: Array<[unknown, string]> = [
      [{ amount: 'abc' }, 'amount'],
      [{ amount: 0 }, 'amount'],
      [{ amount: 10_000_001 }, 'amount'],
      [{ amount: 1.005 }, 'amount'],
      [{ amount: 500, currency: 'rub' }, 'currency'],
      [{ amount: 500, colour: 'red' }, 'colour'],
    ];
    for (const [body, field] of bad) {
      const res = await testAlert(body);
      const answer = (await res.json()) as FieldErrorsBody;
      expect({ body, status: res.status, fields: Object.keys(answer.errors ?? {}) }).toEqual({
        body,
        status: 400,
        fields: [field],
      });
    }

    const tiered = await testAlert({ amount: 500, currency: 'RUB' });
    expect(tiered.status).toBe(201);
    const { donationId } = (await tiered.json()) as { donationId: string };
    const event = await stream.next();
    expect(event.event).toBe('test');
    const shown = JSON.parse(event.data) as DonationAlertData;
    expect(shown).toMatchObject({ donationId, amount: '500.00', currency: 'RUB' });
    expect(shown.view).toMatchObject({ tier: 1, title: 'Тир 500 RUB' });

    const plain = await testAlert();
    expect(plain.status).toBe(201);
    const usual = JSON.parse((await stream.next()).data) as DonationAlertData;
    expect(usual).toMatchObject({ amount: '100.00', currency: 'RUB' });
    expect(usual.view.tier).toBe(0);
    // Nothing was sent for the refused ones: the two accepted test alerts are all the stream got.
    expect(stream.events.map(({ event }) => event)).toEqual(['test', 'test']);
  });

  it('plays the highest tier a donation reaches, and no alert below the minimum (still stored)', async () => {
    const streamer = await newStreamer();
    await put(streamer.id, {
      minimums: { default: 5, byCurrency: { RUB: 50 } },
      tiers: [
        tier(1000, { titleTemplate: 'Легенда {name}!', durationSeconds: 20, color: '#ff0000' }),
        tier(100),
        tier(500, { messageTemplate: '«{message}»' }),
      ],
    });
    const stream = await alertStream(streamer);
    const cases: Array<[string, number | null]> = [
      ['50.00', null],
      ['99.99', null],
      ['100.00', 1],
      ['499.99', 1],
      ['500.00', 2],
      ['1000.00', 0],
    ];
    for (const [amount, expected] of cases) {
      const [stored] = await ingestDonations(app, streamer.id, [sampleDonation({ amount })]);
      const alert = await nextAlert(stream);
      expect({ amount, id: alert.donationId, tier: alert.view.tier }).toEqual({
        amount,
        id: stored.id,
        tier: expected,
      });
    }
    const [legend] = stream.events.slice(-1).map(({ data }) => (JSON.parse(data) as DonationAlertData).view);
    expect(legend).toMatchObject<Partial<AlertView>>({ durationMs: 20_000, accentColor: '#ff0000' });
    expect(legend.title).toMatch(/^Легенда Donor \d+!$/);

    const below = await ingestDonations(app, streamer.id, [
      sampleDonation({ amount: '49.99' }),
      sampleDonation({ amount: '4.99', currency: 'USD' }),
    ]);
    expect(below).toHaveLength(2);
    const [shown] = await ingestDonations(app, streamer.id, [
      sampleDonation({ amount: '5.00', currency: 'USD' }),
    ]);
    expect((await nextAlert(stream)).donationId).toBe(shown.id);
    expect(stream.events.map(({ event }) => event)).toEqual(Array(cases.length + 1).fill('donation'));
  });
});
