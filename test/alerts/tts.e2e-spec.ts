import { randomUUID } from 'node:crypto';
import { TtsService, type TtsSettings } from '../../src/alerts';
import { DonationsRepository } from '../../src/donations';
import type { StreamerEntity } from '../../src/streamers/entities/streamer.entity';
import { StreamersRepository } from '../../src/streamers/streamers.repository';
import { bootApp, INSTANCE_TEST_ENV, type ListeningTestApp } from '../support/app';
import { DEPLOYMENTS, createBackingServices, type BackingServices } from '../support/deployments';
import { createTestDatabase, type TestDatabase } from '../support/databases';
import { metricValue } from '../support/metrics';
import { ingestDonations, sampleDonation, sessionCookie } from '../support/overlay';

interface Clip {
  status: number;
  headers: Headers;
  body: Buffer;
}

async function get(url: string, headers: Record<string, string> = {}): Promise<Clip> {
  const res = await fetch(url, { headers });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

/** A WAV file whose header sizes match its length, with more than a moment of sound. */
function expectWav(clip: Clip): void {
  expect(clip.status).toBe(200);
  expect(clip.headers.get('content-type')).toBe('audio/wav');
  expect(clip.body.toString('latin1', 0, 4)).toBe('RIFF');
  expect(clip.body.toString('latin1', 8, 12)).toBe('WAVE');
  expect(clip.body.readUInt32LE(4)).toBe(clip.body.length - 8);
  // Half a second of espeak-ng's 22 kHz 16-bit mono at least.
  expect(clip.body.length).toBeGreaterThan(22_050);
}

function jsonOf(clip: Clip): Record<string, unknown> {
  expect(clip.headers.get('content-type')).toMatch(/^application\/json/);
  return JSON.parse(clip.body.toString('utf8')) as Record<string, unknown>;
}

async function rendersOn(on: ListeningTestApp): Promise<number> {
  return metricValue(await (await fetch(`${on.origin}/metrics`)).text(), 'tts_renders_total', {
    result: 'ok',
  });
}

describe.each(DEPLOYMENTS)('Text-to-speech of alerts (%s)', (deployment) => {
  let services: BackingServices;
  let app: ListeningTestApp;
  /** The other instance when there are two: a clip renders on whichever instance is asked, with the same ETag. */
  let other: ListeningTestApp;
  let streamerNumber = 0;

  beforeAll(async () => {
    services = await createBackingServices(deployment);
    app = await bootApp({ ...INSTANCE_TEST_ENV, ...services.env }, { listen: true });
    other =
      deployment === 'postgres+redis'
        ? await bootApp(
            { ...INSTANCE_TEST_ENV, ...services.env, DB_RUN_MIGRATIONS: 'false' },
            { listen: true },
          )
        : app;
  });

  afterAll(async () => {
    if (other !== app) {
      await other?.close();
    }
    await app?.close();
    await services?.close();
  });

  async function newStreamer(tts: Partial<TtsSettings> | null = {}): Promise<StreamerEntity> {
    streamerNumber += 1;
    const n = `${deployment === 'sqlite' ? 3 : 4}${streamerNumber}${Date.now() % 100_000}`;
    const streamer = await app.app
      .get(StreamersRepository)
      .create({ twitchId: n, login: `t${n}`, displayName: `T${n}` });
    if (tts) {
      await saveTts(streamer, { enabled: true, ...tts });
    }
    return streamer;
  }

  async function saveTts(streamer: StreamerEntity, tts: Partial<TtsSettings>): Promise<void> {
    const res = await fetch(`${app.origin}/api/alerts/settings`, {
      method: 'PUT',
      headers: { cookie: sessionCookie(app, streamer.id), 'content-type': 'application/json' },
      body: JSON.stringify({ tts }),
    });
    expect(res.status).toBe(200);
  }

  async function donationOf(
    streamer: StreamerEntity,
    message: string | null,
    amount = '100.00',
  ): Promise<string> {
    const [stored] = await ingestDonations(app, streamer.id, [sampleDonation({ message, amount })]);
    return stored.id;
  }

  const clipUrl = (on: ListeningTestApp, streamer: StreamerEntity, donationId: string): string =>
    `${on.origin}/overlay/${streamer.overlayToken!}/tts/${donationId}`;

  it('speaks a donation in Russian as WAV, with an ETag that every instance gives and 304 for it', async () => {
    const streamer = await newStreamer({ voice: 'ru' });
    const donationId = await donationOf(streamer, 'Привет, стрим! Удачи в игре.');

    const clip = await get(clipUrl(other, streamer, donationId));
    expectWav(clip);
    const etag = clip.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]{32}"$/);
    expect(clip.headers.get('cache-control')).toBe('private, max-age=86400');

    const again = await get(clipUrl(app, streamer, donationId), { 'if-none-match': etag! });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect(again.body.length).toBe(0);

    const here = await get(clipUrl(app, streamer, donationId));
    expectWav(here);
    expect(here.headers.get('etag')).toBe(etag);
    expect(here.body.equals(clip.body)).toBe(true);
  });

  it('speaks English with the English voice, a different clip of the same text than the Russian voice', async () => {
    const streamer = await newStreamer({ voice: 'en', template: '{name} says: {message}' });
    const donationId = await donationOf(streamer, 'Hello there, have a great stream!');
    const english = await get(clipUrl(app, streamer, donationId));
    expectWav(english);

    await saveTts(streamer, { voice: 'ru' });
    const russian = await get(clipUrl(app, streamer, donationId));
    expectWav(russian);
    expect(russian.headers.get('etag')).not.toBe(english.headers.get('etag'));
    expect(russian.body.equals(english.body)).toBe(false);
  });

  it('renders once when the first two requests for a clip come at the same time', async () => {
    const streamer = await newStreamer();
    const donationId = await donationOf(streamer, 'Два запроса, одна озвучка');
    const before = await rendersOn(app);

    const [first, second] = await Promise.all([
      get(clipUrl(app, streamer, donationId)),
      get(clipUrl(app, streamer, donationId)),
    ]);
    expectWav(first);
    expectWav(second);
    expect(second.body.equals(first.body)).toBe(true);
    expect(await rendersOn(app)).toBe(before + 1);

    expectWav(await get(clipUrl(app, streamer, donationId)));
    expect(await rendersOn(app)).toBe(before + 1);
  });

  it('answers 404 in JSON, never 500, when there is nothing to say', async () => {
    const streamer = await newStreamer({ minAmount: { default: 50, byCurrency: {} } });
    const stranger = await newStreamer();
    const spoken = await donationOf(streamer, 'Это можно сказать');
    const cheap = await donationOf(streamer, 'Слишком мало', '49.99');
    const silent = await donationOf(streamer, null);
    const onlyLink = await donationOf(streamer, 'https://example.com/spam');
    const muted = await newStreamer(null);
    const mutedDonation = await donationOf(muted, 'TTS выключен');
    expectWav(await get(clipUrl(app, streamer, spoken)));

    const cases: Array<[string, string]> = [
      ["another streamer's token", clipUrl(app, stranger, spoken)],
      ['an unknown overlay token', `${app.origin}/overlay/no-such-token/tts/${spoken}`],
      ['TTS off', clipUrl(app, muted, mutedDonation)],
      ['below the TTS minimum', clipUrl(app, streamer, cheap)],
      ['no message', clipUrl(app, streamer, silent)],
      ['a message that was only a link', clipUrl(app, streamer, onlyLink)],
      ['an unknown donation id', clipUrl(app, streamer, randomUUID())],
      ['a malformed donation id', clipUrl(app, streamer, "1'%20OR%20'1'='1")],
      ['a very long donation id', clipUrl(app, streamer, 'x'.repeat(2000))],
    ];
    for (const [what, url] of cases) {
      const clip = await get(url);
      expect({ what, status: clip.status }).toEqual({ what, status: 404 });
      expect(jsonOf(clip)).toMatchObject({ statusCode: 404, message: expect.any(String) as unknown });
    }
  });

  it('never reads out a hidden or held message, and reads a masked one masked', async () => {
    const moderation = async (streamer: StreamerEntity, action: string) => {
      const res = await fetch(`${app.origin}/api/alerts/settings`, {
        method: 'PUT',
        headers: { cookie: sessionCookie(app, streamer.id), 'content-type': 'application/json' },
        body: JSON.stringify({ moderation: { action, words: ['редиска'] } }),
      });
      expect(res.status).toBe(200);
    };
    const tts = app.app.get(TtsService);
    const donations = app.app.get(DonationsRepository);
    const speechOfId = async (id: string) =>
      tts.spokenTextFor((await donations.findOfStreamer(streamer.id, [id]))[0]);

    const streamer = await newStreamer();
    await moderation(streamer, 'mask');
    const masked = await donationOf(streamer, 'ты редиска');
    await expect(speechOfId(masked)).resolves.toMatchObject({ text: expect.stringContaining('ты ***') });
    expect((await get(clipUrl(app, streamer, masked))).status).toBe(200);
    for (const action of ['hide', 'hold']) {
      await moderation(streamer, action);
      const id = await donationOf(streamer, 'редиска!');
      expect({ action, status: (await get(clipUrl(other, streamer, id))).status }).toEqual({
        action,
        status: 404,
      });
    }
  });

  it('reports the engine on /health and shows no warning on the dashboard', async () => {
    const health = await (await fetch(`${app.origin}/health`)).json();
    expect(health).toMatchObject({
      details: { tts: { status: 'up', engine: 'espeak-ng', available: true } },
    });

    const streamer = await newStreamer(null);
    const dashboard = await fetch(`${app.origin}/dashboard`, {
      headers: { cookie: sessionCookie(app, streamer.id) },
    });
    expect(dashboard.status).toBe(200);
    expect(await dashboard.text()).not.toContain('id="tts-unavailable"');
  });
});

describe('Text-to-speech without espeak-ng', () => {
  let database: TestDatabase;
  let app: ListeningTestApp;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    app = await bootApp(
      { ...INSTANCE_TEST_ENV, ...database.env, TTS_ESPEAK_PATH: '/nonexistent/bin/espeak-ng' },
      { listen: true },
    );
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('boots, keeps /health up with TTS unavailable, answers 503 for a clip and warns on the dashboard', async () => {
    const health = await fetch(`${app.origin}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({
      details: { tts: { status: 'up', engine: 'espeak-ng', available: false } },
    });

    const streamer = await app.app
      .get(StreamersRepository)
      .create({ twitchId: '5500001', login: 'mute', displayName: 'Mute' });
    const cookie = sessionCookie(app, streamer.id);
    const saved = await fetch(`${app.origin}/api/alerts/settings`, {
      method: 'PUT',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ tts: { enabled: true } }),
    });
    expect(saved.status).toBe(200);
    const [donation] = await ingestDonations(app, streamer.id, [sampleDonation({ message: 'Скажи это' })]);

    const clip = await get(`${app.origin}/overlay/${streamer.overlayToken!}/tts/${donation.id}`);
    expect(clip.status).toBe(503);
    expect(jsonOf(clip)).toMatchObject({ message: 'TTS unavailable' });
    expect(clip.headers.get('cache-control')).toBeNull();
    expect(await rendersOf(app)).toBe(0);

    const dashboard = await fetch(`${app.origin}/dashboard`, {
      headers: { cookie, 'accept-language': 'ru' },
    });
    expect(await dashboard.text()).toContain('Озвучка недоступна');
  });

  async function rendersOf(on: ListeningTestApp): Promise<number> {
    const metrics = await (await fetch(`${on.origin}/metrics`)).text();
    return (
      metricValue(metrics, 'tts_renders_total', { result: 'ok' }) +
      metricValue(metrics, 'tts_renders_total', { result: 'failed' })
    );
  }
});
