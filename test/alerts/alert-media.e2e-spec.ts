import { createHash, randomUUID } from 'node:crypto';
import type { AlertMediaList, AlertMediaView, AlertSettings } from '../../src/alerts';
import type { StreamerEntity } from '../../src/streamers/entities/streamer.entity';
import { StreamersRepository } from '../../src/streamers/streamers.repository';
import { bootApp, INSTANCE_TEST_ENV, type ListeningTestApp } from '../support/app';
import { DEPLOYMENTS, createBackingServices, type BackingServices } from '../support/deployments';
import { expectNoInternals } from '../support/http';
import { gifImage, mp3WithId3, oggSound, pngImage, wavSound } from '../support/media-files';
import { sessionCookie } from '../support/overlay';

/** Low, so the quota is reached with a few small files; the per-file limit keeps its default of 5 MB. */
const QUOTA_BYTES = 16_384;
const MAX_BYTES = 5 * 1024 * 1024;

interface ErrorBody {
  statusCode: number;
  message: string;
  errors?: Record<string, string[]>;
}

describe.each(DEPLOYMENTS)('Alert media (%s)', (deployment) => {
  let services: BackingServices;
  let app: ListeningTestApp;
  /** Where OBS loads the files from: the other instance when there are two, so the bytes cross instances. */
  let pages: ListeningTestApp;
  let streamerNumber = 0;

  beforeAll(async () => {
    services = await createBackingServices(deployment);
    const env = { ...INSTANCE_TEST_ENV, ...services.env, ALERT_MEDIA_QUOTA_BYTES: String(QUOTA_BYTES) };
    app = await bootApp(env, { listen: true });
    pages =
      deployment === 'postgres+redis'
        ? await bootApp({ ...env, DB_RUN_MIGRATIONS: 'false' }, { listen: true })
        : app;
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
    const n = `${deployment === 'sqlite' ? 3 : 4}${streamerNumber}${Date.now() % 100_000}`;
    return app.app.get(StreamersRepository).create({ twitchId: n, login: `m${n}`, displayName: `M${n}` });
  }

  function form(bytes: Buffer, name: string, type = 'application/octet-stream', field = 'file'): FormData {
    const body = new FormData();
    body.append(field, new Blob([new Uint8Array(bytes)], { type }), name);
    return body;
  }

  function upload(streamer: StreamerEntity, body: FormData | string, headers: Record<string, string> = {}) {
    return fetch(`${app.origin}/api/alerts/media`, {
      method: 'POST',
      body,
      headers: { cookie: sessionCookie(app, streamer.id), ...headers },
    });
  }

  async function uploaded(streamer: StreamerEntity, bytes: Buffer, name: string): Promise<AlertMediaView> {
    const res = await upload(streamer, form(bytes, name));
    expect({ name, status: res.status }).toEqual({ name, status: 201 });
    return (await res.json()) as AlertMediaView;
  }

  async function refused(res: Response, status: number): Promise<ErrorBody> {
    const text = await res.text();
    expect({ status: res.status, text }).toEqual({ status, text: expect.any(String) as unknown });
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expectNoInternals(text);
    return JSON.parse(text) as ErrorBody;
  }

  async function listOf(streamer: StreamerEntity): Promise<AlertMediaList> {
    const res = await fetch(`${app.origin}/api/alerts/media`, {
      headers: { cookie: sessionCookie(app, streamer.id) },
    });
    expect(res.status).toBe(200);
    return (await res.json()) as AlertMediaList;
  }

  function remove(streamer: StreamerEntity, id: string): Promise<Response> {
    return fetch(`${app.origin}/api/alerts/media/${encodeURIComponent(id)}`, {
      method: 'DELETE',
      headers: { cookie: sessionCookie(app, streamer.id) },
    });
  }

  function overlayFile(token: string, id: string, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${pages.origin}/overlay/${token}/media/${encodeURIComponent(id)}`, { headers });
  }

  function putSettings(streamer: StreamerEntity, body: unknown): Promise<Response> {
    return fetch(`${app.origin}/api/alerts/settings`, {
      method: 'PUT',
      body: JSON.stringify(body),
      headers: { cookie: sessionCookie(app, streamer.id), 'content-type': 'application/json' },
    });
  }

  async function settingsOf(streamer: StreamerEntity): Promise<AlertSettings> {
    const res = await fetch(`${app.origin}/api/alerts/settings`, {
      headers: { cookie: sessionCookie(app, streamer.id) },
    });
    expect(res.status).toBe(200);
    return (await res.json()) as AlertSettings;
  }

  it('stores each kind, told by the bytes, and the overlay serves the same bytes, cached for good', async () => {
    const streamer = await newStreamer();
    const files: Array<[string, Buffer, string, string]> = [
      ['alert.png', pngImage(), 'image', 'image/png'],
      ['blink.gif', gifImage(), 'image', 'image/gif'],
      ['звук доната.wav', wavSound(), 'sound', 'audio/wav'],
      ['coin.mp3', mp3WithId3(), 'sound', 'audio/mpeg'],
      ['ding.ogg', oggSound(), 'sound', 'audio/ogg'],
      // The name and the Content-Type say MP3; the bytes are a PNG, so it is one.
      ['renamed.mp3', pngImage([0, 0, 255, 255]), 'image', 'image/png'],
    ];
    const stored: AlertMediaView[] = [];
    for (const [name, bytes, kind, mimeType] of files) {
      const res = await upload(streamer, form(bytes, name, 'audio/mpeg'));
      expect({ name, status: res.status }).toEqual({ name, status: 201 });
      const media = (await res.json()) as AlertMediaView;
      expect(media).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown,
        kind,
        mimeType,
        size: bytes.length,
        name,
        createdAt: expect.any(Number) as unknown,
      });
      stored.push(media);

      const served = await overlayFile(streamer.overlayToken!, media.id);
      expect(served.status).toBe(200);
      expect(Buffer.from(await served.arrayBuffer()).equals(bytes)).toBe(true);
      const etag = `"${createHash('sha256').update(bytes).digest('hex')}"`;
      expect({
        type: served.headers.get('content-type'),
        etag: served.headers.get('etag'),
        cache: served.headers.get('cache-control'),
        nosniff: served.headers.get('x-content-type-options'),
      }).toEqual({ type: mimeType, etag, cache: 'public, max-age=31536000, immutable', nosniff: 'nosniff' });

      const again = await overlayFile(streamer.overlayToken!, media.id, { 'if-none-match': etag });
      expect(again.status).toBe(304);
      expect(await again.text()).toBe('');
      expect(again.headers.get('etag')).toBe(etag);
      const changed = await overlayFile(streamer.overlayToken!, media.id, { 'if-none-match': '"other"' });
      expect(changed.status).toBe(200);
      await changed.arrayBuffer();
    }

    const list = await listOf(streamer);
    expect(list).toEqual({
      media: stored,
      usedBytes: files.reduce((sum, [, bytes]) => sum + bytes.length, 0),
      quotaBytes: QUOTA_BYTES,
    });
    expect(JSON.stringify(list)).not.toContain('data');
  });

  it('asks for a session', async () => {
    const streamer = await newStreamer();
    const media = await uploaded(streamer, pngImage(), 'a.png');
    const anonymous = [
      await fetch(`${app.origin}/api/alerts/media`, { method: 'POST', body: form(pngImage(), 'a.png') }),
      await fetch(`${app.origin}/api/alerts/media`),
      await fetch(`${app.origin}/api/alerts/media/${media.id}`, { method: 'DELETE' }),
    ];
    for (const res of anonymous) {
      await refused(res, 401);
    }
    expect((await listOf(streamer)).media).toHaveLength(1);
  });

  it('refuses a file above 5 MB with 413 and stores nothing', async () => {
    const streamer = await newStreamer();
    const before = await uploaded(streamer, pngImage(), 'small.png');
    const huge = Buffer.concat([pngImage(), Buffer.alloc(MAX_BYTES + 1 - pngImage().length)]);
    const body = await refused(await upload(streamer, form(huge, 'huge.png', 'image/png')), 413);
    expect(body.message).toBe('The file is larger than 5 MB (5242880 bytes)');
    expect(await listOf(streamer)).toMatchObject({ media: [before], usedBytes: before.size });
  });

  it('refuses what is not an accepted image or sound with 415, whatever its name and Content-Type', async () => {
    const streamer = await newStreamer();
    const cases: Array<[Buffer, string, string]> = [
      [Buffer.from('just some text, honest\n'), 'picture.png', 'image/png'],
      [
        Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        'a.svg',
        'image/svg+xml',
      ],
      [Buffer.from('<!doctype html><title>x</title>'), 'ding.mp3', 'audio/mpeg'],
      [Buffer.concat([Buffer.from('MZ'), Buffer.alloc(200)]), 'setup.wav', 'audio/wav'],
    ];
    for (const [bytes, name, type] of cases) {
      const body = await refused(await upload(streamer, form(bytes, name, type)), 415);
      expect(body.message).toBe('Not an image (PNG, JPEG, GIF, WebP) or a sound (MP3, OGG, WAV)');
    }
    const json = await refused(
      await upload(streamer, JSON.stringify({ file: 'aGVsbG8=' }), { 'content-type': 'application/json' }),
      415,
    );
    expect(json.message).toMatch(/multipart\/form-data/);
    expect((await listOf(streamer)).media).toEqual([]);
  });

  it('answers 400 without a file, or with one in another field', async () => {
    const streamer = await newStreamer();
    const noFile = new FormData();
    noFile.append('name', 'alert.png');
    expect((await refused(await upload(streamer, noFile), 400)).message).toBe(
      'No file: send it in the multipart form field "file"',
    );
    const elsewhere = form(pngImage(), 'alert.png', 'image/png', 'image');
    expect((await refused(await upload(streamer, elsewhere), 400)).message).toBe(
      'Send one file, in the form field "file"',
    );
    const broken = await upload(streamer, '--x\r\nContent-Disposition: form-data; name="file"', {
      'content-type': 'multipart/form-data; boundary=x',
    });
    await refused(broken, 400);
    expect((await listOf(streamer)).media).toEqual([]);
  });

  it('keeps a streamer within the quota, also when uploads race, and deleting frees the space', async () => {
    const streamer = await newStreamer();
    const sound = (n: number) => wavSound(6000 + n);
    const first = await uploaded(streamer, sound(0), 'one.wav');
    const second = await uploaded(streamer, sound(1), 'two.wav');
    const over = await refused(await upload(streamer, form(sound(2), 'three.wav')), 413);
    expect(over.message).toBe(
      `Your uploads may add up to 16 KB (${QUOTA_BYTES} bytes); this file does not fit: delete some first`,
    );
    expect(await listOf(streamer)).toEqual({
      media: [first, second],
      usedBytes: first.size + second.size,
      quotaBytes: QUOTA_BYTES,
    });

    expect((await remove(streamer, first.id)).status).toBe(204);
    expect(await listOf(streamer)).toMatchObject({ media: [second], usedBytes: second.size });
    await uploaded(streamer, sound(3), 'three.wav');

    // Two files fit in an empty quota, not three: however the uploads interleave, never more than two land.
    const racer = await newStreamer();
    const answers = await Promise.all([4, 5, 6, 7, 8].map((n) => upload(racer, form(sound(n), `${n}.wav`))));
    const statuses = answers.map((res) => res.status).sort();
    await Promise.all(answers.map((res) => res.arrayBuffer()));
    expect(statuses).toEqual([201, 201, 413, 413, 413]);
    const raced = await listOf(racer);
    expect(raced.media).toHaveLength(2);
    expect(raced.usedBytes).toBeLessThanOrEqual(QUOTA_BYTES);
  });

  it("never reaches another streamer's media: 404 on delete and on the overlay, as for unknown or malformed ids", async () => {
    const owner = await newStreamer();
    const other = await newStreamer();
    const media = await uploaded(owner, pngImage(), 'mine.png');

    await refused(await remove(other, media.id), 404);
    await refused(await overlayFile(other.overlayToken!, media.id), 404);
    for (const id of [randomUUID(), 'not-a-uuid', "1' OR '1'='1", 'x'.repeat(5000)]) {
      await refused(await remove(owner, id), 404);
      await refused(await overlayFile(owner.overlayToken!, id), 404);
    }
    const unknownOverlay = await refused(await overlayFile('no-such-token', media.id), 404);
    expect(unknownOverlay.message).toBe('Unknown overlay');

    expect((await listOf(owner)).media).toEqual([media]);
    expect((await overlayFile(owner.overlayToken!, media.id)).status).toBe(200);
  });

  it("lets tiers use only the streamer's own image and sound, and deleting one clears it from the tiers", async () => {
    const streamer = await newStreamer();
    const other = await newStreamer();
    const image = await uploaded(streamer, pngImage(), 'tier.png');
    const sound = await uploaded(streamer, wavSound(), 'tier.wav');
    const foreign = await uploaded(other, gifImage(), 'theirs.gif');
    const tier = (media: Record<string, unknown>) => ({ minAmount: 100, currency: 'RUB', ...media });

    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ imageId: foreign.id }, 'tiers.1.imageId', 'imageId: no such image among your uploads'],
      [{ imageId: randomUUID() }, 'tiers.1.imageId', 'imageId: no such image among your uploads'],
      [{ imageId: sound.id }, 'tiers.1.imageId', 'imageId: no such image among your uploads'],
      [{ soundId: image.id }, 'tiers.1.soundId', 'soundId: no such sound among your uploads'],
    ];
    for (const [media, field, message] of cases) {
      const res = await putSettings(streamer, { text: { fontSizePx: 40 }, tiers: [tier({}), tier(media)] });
      const body = await refused(res, 400);
      expect({ media, errors: body.errors }).toEqual({ media, errors: { [field]: [message] } });
    }
    expect(await settingsOf(streamer)).toMatchObject({ tiers: [], text: { fontSizePx: 32 } });

    const saved = await putSettings(streamer, {
      tiers: [tier({ imageId: image.id, soundId: sound.id }), tier({ imageId: image.id })],
    });
    expect(saved.status).toBe(200);
    expect((await settingsOf(streamer)).tiers).toMatchObject([
      { imageId: image.id, soundId: sound.id },
      { imageId: image.id, soundId: null },
    ]);

    expect((await remove(streamer, image.id)).status).toBe(204);
    expect((await settingsOf(streamer)).tiers).toMatchObject([
      { imageId: null, soundId: sound.id },
      { imageId: null, soundId: null },
    ]);
    await refused(await overlayFile(streamer.overlayToken!, image.id), 404);
    expect(await listOf(streamer)).toMatchObject({ media: [sound], usedBytes: sound.size });
  });
});
