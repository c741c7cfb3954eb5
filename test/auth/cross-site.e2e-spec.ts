import { StreamersRepository } from '../../src/streamers/streamers.repository';
import { createBackingServices, type BackingServices } from '../support/deployments';
import { bootApp, INSTANCE_TEST_ENV, type ListeningTestApp } from '../support/app';
import { sessionCookie } from '../support/overlay';

describe('session requests from other sites', () => {
  let services: BackingServices;
  let app: ListeningTestApp;

  beforeAll(async () => {
    services = await createBackingServices('sqlite');
    app = await bootApp({ ...INSTANCE_TEST_ENV, ...services.env }, { listen: true });
  });

  afterAll(async () => {
    await app?.close();
    await services?.close();
  });

  async function rotate(headers: Record<string, string>): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${app.origin}/api/overlay/rotate-token`, { method: 'POST', headers });
    return { status: res.status, body: await res.json() };
  }

  let streamers = 0;

  async function newStreamer(): Promise<{ id: string; token: string; cookie: string }> {
    const n = ++streamers;
    const streamer = await app.app
      .get(StreamersRepository)
      .create({ twitchId: `7700${n}`, login: `site${n}`, displayName: `Site${n}` });
    return { id: streamer.id, token: streamer.overlayToken!, cookie: sessionCookie(app, streamer.id) };
  }

  async function tokenOf(id: string): Promise<string | null> {
    return (await app.app.get(StreamersRepository).findById(id))!.overlayToken;
  }

  it.each([
    ['another Origin', { origin: 'https://evil.example' }],
    ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
    ['Sec-Fetch-Site: same-site (a sibling subdomain)', { 'sec-fetch-site': 'same-site' }],
    [
      'Sec-Fetch-Site: cross-site and a forged-looking Origin',
      { 'sec-fetch-site': 'cross-site', origin: 'null' },
    ],
  ])('refuses a session POST with %s with 403 and changes nothing', async (_what, headers) => {
    const streamer = await newStreamer();

    const refused = await rotate({ cookie: streamer.cookie, ...headers });

    expect(refused).toEqual({
      status: 403,
      body: expect.objectContaining({ statusCode: 403, message: expect.stringContaining('Cross-site') }),
    });
    expect(await tokenOf(streamer.id)).toBe(streamer.token);
  });

  it("accepts the site's own pages and clients that are not browsers", async () => {
    const streamer = await newStreamer();

    const fromPage = await rotate({
      cookie: streamer.cookie,
      origin: app.publicUrl,
      'sec-fetch-site': 'same-origin',
    });
    // What Chromium sends for a form on the site's own page under `Referrer-Policy: no-referrer`.
    const fromForm = await rotate({
      cookie: streamer.cookie,
      origin: 'null',
      'sec-fetch-site': 'same-origin',
    });
    const fromScript = await rotate({ cookie: streamer.cookie });

    expect([fromPage.status, fromForm.status, fromScript.status]).toEqual([200, 200, 200]);
    expect(await tokenOf(streamer.id)).not.toBe(streamer.token);
  });

  it('leaves requests without a session alone, e.g. webhooks from anywhere', async () => {
    const post = (headers: Record<string, string>) =>
      fetch(`${app.origin}/api/donationalerts/webhook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: '{}',
      });

    const fromElsewhere = await post({ origin: 'https://relay.example', 'sec-fetch-site': 'cross-site' });
    const plain = await post({});

    // The webhook's own answer to an unsigned body, whatever the Origin.
    expect(fromElsewhere.status).toBe(plain.status);
    expect(fromElsewhere.status).not.toBe(403);
  });
});
