import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import type { AlertTier } from '../../src/alerts';
import type { DonationAlertData } from '../../src/overlay/overlay-event';
import { OverlayEventLog } from '../../src/overlay/overlay-event-log';
import { OverlayStreams } from '../../src/overlay/overlay-streams.service';
import type { StreamerEntity } from '../../src/streamers/entities/streamer.entity';
import { StreamersRepository } from '../../src/streamers/streamers.repository';
import { launchBrowser, type TestBrowser } from '../support/browser';
import { ADMIN_API_KEY } from '../support/admin';
import { createBackingServices, type BackingServices } from '../support/deployments';
import { bootApp, INSTANCE_TEST_ENV, type ListeningTestApp } from '../support/app';
import {
  addTwitchUser,
  startOnboardingFakes,
  streamerByTwitchId,
  type OnboardingFakes,
} from '../support/onboarding';

import { waitFor } from '../support/waiting';
import { ingestDonations, ingestOntoOverlay, sampleDonation, sessionCookie } from '../support/overlay';

const SCREENSHOTS = resolve(__dirname, '../../reports/screenshots');
/** The streamer's alert duration in these tests: the shortest the settings allow, so a queue plays out fast. */
const ALERT_DURATION_SECONDS = 2;
const ALERT_DURATION_MS = ALERT_DURATION_SECONDS * 1000;
/** OVERLAY_ALERT_DURATION_MS: only alerts stored without a view still use it (the smallest it allows is 1000). */
const FALLBACK_DURATION_MS = 1500;
const OVERLAY_SIZE = { width: 1920, height: 1080 };
/** What Twitch's CDN would send for an avatar; the browser never reaches the internet. */
const AVATAR_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="300"><rect width="300" height="300" fill="#9146ff"/></svg>';

/** How a card was drawn, read from its computed style. */
interface CardLook {
  fontSize: string;
  color: string;
  background: string;
  titleColor: string;
  /** Of the image and text: `column` is image above, `row` image left. */
  direction: string;
  enter: string | null;
  exit: string | null;
}

/** One alert as the overlay showed it, read when it appeared. */
interface ShownAlert {
  id: string;
  badge: string | null;
  title: string | null;
  message: string | null;
  tier: string | null;
  /** Elements inside the title and the message: any is markup the page let through. */
  elementsInText: number;
  look: CardLook;
  /** Read again when it began to leave: a settings change never restyles the alert on screen. */
  lookWhenLeaving: CardLook | null;
  shownAt: number;
  leavingAt: number | null;
  removedAt: number | null;
}

/** A change of a card's data-sound-state or data-tts-state (the first one is its value when it appeared). */
interface AudioStateChange {
  id: string;
  track: 'sound' | 'tts';
  state: string;
  at: number;
}

/** What the recorder saw, in the order the DOM changed (times from the page's performance.now()). */
interface OverlayLog {
  states: string[];
  alerts: ShownAlert[];
  audio: AudioStateChange[];
  /** The most `.alert` elements on the page at one time, counted mutation by mutation. */
  maxOnScreen: number;
}

interface RecorderWindow {
  overlayLog: OverlayLog;
}

/**
 * Installed before any of the page's own scripts: a MutationObserver that records every data-state of #overlay
 * and every alert with its texts and when it appeared, began to leave and was removed. Mutation records are
 * replayed in order, so two alerts on screen together are seen even within one batch.
 */
const OVERLAY_RECORDER = `
window.overlayLog = { states: [], alerts: [], audio: [], maxOnScreen: 0 };
(function () {
  var log = window.overlayLog;
  var onScreen = 0;
  var TRACKS = { 'data-sound-state': 'sound', 'data-tts-state': 'tts' };
  function isAlert(node) { return node.nodeType === 1 && node.classList.contains('alert'); }
  function text(card, selector) { var node = card.querySelector(selector); return node ? node.textContent : null; }
  function entry(card) {
    var id = card.getAttribute('data-donation-id');
    return log.alerts.filter(function (alert) { return alert.id === id; })[0];
  }
  function look(card) {
    var style = getComputedStyle(card);
    var body = card.querySelector('.alert-body');
    var title = card.querySelector('.alert-title');
    return {
      fontSize: style.fontSize,
      color: style.color,
      background: style.backgroundColor,
      titleColor: title ? getComputedStyle(title).color : '',
      direction: body ? getComputedStyle(body).flexDirection : '',
      enter: card.getAttribute('data-enter'),
      exit: card.getAttribute('data-exit'),
    };
  }
  function audioState(card, attribute) {
    var state = card.getAttribute(attribute);
    if (state !== null) {
      log.audio.push({ id: card.getAttribute('data-donation-id'), track: TRACKS[attribute], state: state, at: performance.now() });
    }
  }
  new MutationObserver(function (records) {
    records.forEach(function (record) {
      var target = record.target;
      if (record.type === 'attributes') {
        if (record.attributeName === 'data-state' && target.id === 'overlay') {
          log.states.push(target.getAttribute('data-state'));
        } else if (record.attributeName === 'class' && isAlert(target) && target.classList.contains('leaving')) {
          entry(target).leavingAt = performance.now();
          entry(target).lookWhenLeaving = look(target);
        } else if (TRACKS[record.attributeName] && isAlert(target) && target.isConnected) {
          audioState(target, record.attributeName);
        }
        return;
      }
      record.addedNodes.forEach(function (node) {
        if (node.nodeType === 1 && node.id === 'overlay') { log.states.push(node.getAttribute('data-state')); }
        if (!isAlert(node)) { return; }
        onScreen += 1;
        log.maxOnScreen = Math.max(log.maxOnScreen, onScreen);
        log.alerts.push({
          id: node.getAttribute('data-donation-id'),
          badge: text(node, '.alert-badge'),
          title: text(node, '.alert-title'),
          message: text(node, '.alert-message'),
          tier: node.getAttribute('data-tier'),
          elementsInText: node.querySelectorAll('.alert-title *, .alert-message *').length,
          look: look(node),
          lookWhenLeaving: null,
          shownAt: performance.now(),
          leavingAt: null,
          removedAt: null,
        });
        audioState(node, 'data-sound-state');
        audioState(node, 'data-tts-state');
      });
      record.removedNodes.forEach(function (node) {
        if (!isAlert(node)) { return; }
        onScreen -= 1;
        entry(node).removedAt = performance.now();
      });
    });
  }).observe(document, {
    subtree: true,
    childList: true,
    attributes: true,
    attributeFilter: ['data-state', 'class', 'data-sound-state', 'data-tts-state'],
  });
})();
`;

/** An overlay page with the recorder, and every request and console error it made. */
interface OverlayTab {
  page: Page;
  requests: string[];
  consoleErrors: string[];
}

async function openOverlay(context: BrowserContext, url: string): Promise<OverlayTab> {
  const page = await context.newPage();
  const requests: string[] = [];
  const consoleErrors: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  page.on('console', (message) => {
    // Chromium asks every page for /favicon.ico; the overlay has none, and OBS never shows one.
    if (message.type() === 'error' && !message.location().url.endsWith('/favicon.ico')) {
      consoleErrors.push(`${message.text()} (${message.location().url})`);
    }
  });
  await page.addInitScript(OVERLAY_RECORDER);
  const response = await page.goto(url);
  expect(response?.status()).toBe(200);
  await waitForState(page, 'live');
  return { page, requests, consoleErrors };
}

async function waitForState(page: Page, state: 'live' | 'reconnecting'): Promise<void> {
  await page.waitForSelector(`#overlay[data-state="${state}"]`, { state: 'attached' });
}

/*
 * The waits below pass functions, not strings: Playwright evaluates a string predicate with eval, which the
 * page's CSP (script-src 'self') refuses. Functions are sent to the page as source, so they name the recorder
 * through globalThis (the page's window) and take their values as arguments.
 */

/** Waits until the page went 'reconnecting' and then 'live' again. */
async function waitForReconnect(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const { states } = (globalThis as unknown as RecorderWindow).overlayLog;
    const lost = states.lastIndexOf('reconnecting');
    return lost !== -1 && states.indexOf('live', lost) !== -1;
  });
}

async function waitForAlert(page: Page, donationId: string): Promise<void> {
  await page.waitForFunction(
    (id) => (globalThis as unknown as RecorderWindow).overlayLog.alerts.some((alert) => alert.id === id),
    donationId,
  );
}

async function waitForAlertCount(page: Page, count: number): Promise<void> {
  await page.waitForFunction(
    (n) => (globalThis as unknown as RecorderWindow).overlayLog.alerts.length === n,
    count,
  );
}

async function waitForAlertsGone(page: Page, count: number): Promise<void> {
  await page.waitForFunction(
    (n) =>
      (globalThis as unknown as RecorderWindow).overlayLog.alerts.filter((alert) => alert.removedAt !== null)
        .length === n,
    count,
  );
}

function overlayLog(page: Page): Promise<OverlayLog> {
  return page.evaluate(() => (globalThis as unknown as RecorderWindow).overlayLog);
}

async function shownIds(page: Page): Promise<string[]> {
  return (await overlayLog(page)).alerts.map((alert) => alert.id);
}

/** Intl separates groups and the currency sign with no-break spaces; the test compares plain ones. */
function plainSpaces(text: string | null): string | null {
  return text === null ? null : text.replace(/\s/g, ' ');
}

/** A 1×1 PNG: what an uploaded image would be. */
const PNG_1X1 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

interface MediaFile {
  contentType: string;
  body: Buffer;
}

const IMAGE: MediaFile = { contentType: 'image/png', body: PNG_1X1 };

/** `ms` of silence as a WAV (8 kHz, 8-bit mono PCM): a sound or a spoken text that plays that long. */
function silentWav(ms: number): MediaFile {
  const samples = Math.round(8 * ms);
  const wav = Buffer.alloc(44 + samples, 128);
  wav.write('RIFF', 0);
  wav.writeUInt32LE(36 + samples, 4);
  wav.write('WAVEfmt ', 8);
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20);
  wav.writeUInt16LE(1, 22);
  wav.writeUInt32LE(8000, 24);
  wav.writeUInt32LE(8000, 28);
  wav.writeUInt16LE(1, 32);
  wav.writeUInt16LE(8, 34);
  wav.write('data', 36);
  wav.writeUInt32LE(samples, 40);
  return { contentType: 'audio/wav', body: wav };
}

/**
 * In the browser: the speech of every donation is `speech` (null: 404), so its length is known; media ids in
 * `broken` answer 404 (a file that does not load). Every other media request reaches the app.
 */
async function routeMedia(
  context: BrowserContext,
  broken: Set<string>,
  speech: MediaFile | null,
): Promise<void> {
  await context.route('**/overlay/*/media/*', (route) =>
    broken.has(new URL(route.request().url()).pathname.split('/').pop()!)
      ? route.fulfill({ status: 404, body: '' })
      : route.continue(),
  );
  await context.route('**/overlay/*/tts/*', (route) =>
    route.fulfill(
      speech
        ? { status: 200, contentType: speech.contentType, body: speech.body }
        : { status: 404, body: '' },
    ),
  );
}

/** Uploads a file as the dashboard does; returns its id. */
async function upload(
  app: ListeningTestApp,
  streamerId: string,
  file: MediaFile,
  name: string,
): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(file.body)], { type: file.contentType }), name);
  const res = await fetch(`${app.origin}/api/alerts/media`, {
    method: 'POST',
    headers: { cookie: sessionCookie(app, streamerId) },
    body: form,
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

/**
 * A tier with an image and a sound uploaded for the streamer; a null sound is uploaded too but answers 404 in
 * the browser (`broken`), as a file that fails to load would.
 */
async function tierWithMedia(
  app: ListeningTestApp,
  streamerId: string,
  broken: Set<string>,
  files: { image: MediaFile; sound: MediaFile | null },
  tier: Partial<AlertTier> & Pick<AlertTier, 'minAmount'>,
): Promise<Partial<AlertTier>> {
  const imageId = await upload(app, streamerId, files.image, 'tier.png');
  const soundId = await upload(app, streamerId, files.sound ?? silentWav(100), 'tier.wav');
  if (!files.sound) {
    broken.add(soundId);
  }
  return { currency: 'RUB', ...tier, imageId, soundId };
}

let streamerNumber = 0;

/** Saves alert settings as the dashboard does. */
async function putSettings(app: ListeningTestApp, streamerId: string, body: unknown): Promise<void> {
  const res = await fetch(`${app.origin}/api/alerts/settings`, {
    method: 'PUT',
    headers: { cookie: sessionCookie(app, streamerId), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  await res.body?.cancel();
}

/** A streamer whose alerts last `durationSeconds` (the settings' duration). */
async function newStreamer(
  app: ListeningTestApp,
  durationSeconds = ALERT_DURATION_SECONDS,
): Promise<StreamerEntity> {
  streamerNumber += 1;
  const twitchId = String(80_000 + streamerNumber);
  const streamer = await app.app
    .get(StreamersRepository)
    .create({ twitchId, login: `overlay_${streamerNumber}`, displayName: `Overlay_${streamerNumber}` });
  await putSettings(app, streamer.id, { text: { durationSeconds } });
  return streamer;
}

function overlayUrlOf(app: ListeningTestApp, streamer: StreamerEntity): string {
  return `${app.origin}/overlay/${streamer.overlayToken!}`;
}

/**
 * The OBS overlay page in a real headless Chromium (Russian, 1920×1080), against one SQLite instance with
 * fake Twitch and DonationAlerts. The app is named `localhost` for the dashboard login (cookies stay apart from
 * the fakes' on 127.0.0.1); overlay pages are opened at 127.0.0.1, as OBS on the same machine would.
 */
describe('overlay page in a browser', () => {
  let services: BackingServices;
  let fakes: OnboardingFakes;
  let instance: ListeningTestApp;
  let browser: TestBrowser;
  /** Closed after each test, last first: its browser contexts, and apps it booted for itself. */
  const cleanups: Array<() => Promise<void>> = [];

  async function newContext(): Promise<BrowserContext> {
    const context = await browser.browser.newContext({ locale: 'ru-RU', viewport: OVERLAY_SIZE });
    cleanups.push(() => context.close());
    context.setDefaultTimeout(10_000);
    return context;
  }

  /** An app of the test's own on a database of its own, for a test that restarts it. */
  async function bootOwnApp(): Promise<ListeningTestApp> {
    const own = await createBackingServices('sqlite');
    cleanups.push(() => own.close());
    return bootApp(
      { ...INSTANCE_TEST_ENV, ...own.env, OVERLAY_ALERT_DURATION_MS: String(FALLBACK_DURATION_MS) },
      { listen: true },
    );
  }

  beforeAll(async () => {
    services = await createBackingServices('sqlite');
    fakes = await startOnboardingFakes();
    instance = await bootApp(
      {
        ...INSTANCE_TEST_ENV,
        ...services.env,
        ...fakes.env,
        OVERLAY_ALERT_DURATION_MS: String(FALLBACK_DURATION_MS),
      },
      { listen: { publicHost: 'localhost' } },
    );
    browser = await launchBrowser();
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup();
    }
  });

  afterAll(async () => {
    await browser?.close();
    await instance?.close();
    await fakes?.close();
    await services?.close();
  });

  it('shows an admin test alert, centered on a transparent page that loads nothing from elsewhere', async () => {
    const app = await bootOwnApp();
    cleanups.push(() => app.close());
    // Long enough that a slow screenshot still catches the alert before it starts leaving.
    const streamer = await newStreamer(app, 60);
    const overlay = await openOverlay(await newContext(), overlayUrlOf(app, streamer));
    const { page } = overlay;

    const res = await fetch(`${app.origin}/api/admin/streamers/${streamer.id}/test-alert`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_API_KEY}` },
    });
    expect(res.status).toBe(201);
    const { donationId } = (await res.json()) as { donationId: string };
    const card = page.locator(`.alert[data-donation-id="${donationId}"]`);
    await card.waitFor();
    await card.evaluate((element: { getAnimations(): Array<{ finished: Promise<unknown> }> }) =>
      Promise.all(element.getAnimations().map((animation) => animation.finished)).then(() => undefined),
    );
    const box = await card.boundingBox();
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, 'overlay-test-alert.png'), omitBackground: true });
    // Still entered, not yet leaving, once the screenshot is taken: the picture shows the whole alert.
    expect(await card.getAttribute('class')).toBe('alert');

    const [alert] = (await overlayLog(page)).alerts;
    expect(alert).toMatchObject({
      id: donationId,
      badge: 'Тест',
      title: 'Тестовый донатер — 100 RUB',
      message: 'Это тестовое оповещение',
      tier: 'base',
    });
    expect(box).not.toBeNull();
    expect(Math.abs(box!.x + box!.width / 2 - OVERLAY_SIZE.width / 2)).toBeLessThanOrEqual(1);
    expect(await page.evaluate('document.documentElement.lang')).toBe('ru');
    expect(await page.evaluate('getComputedStyle(document.documentElement).backgroundColor')).toBe(
      'rgba(0, 0, 0, 0)',
    );
    expect(await page.evaluate('getComputedStyle(document.body).backgroundColor')).toBe('rgba(0, 0, 0, 0)');
    expect(await page.evaluate('[innerWidth, innerHeight]')).toEqual([1920, 1080]);
    const token = streamer.overlayToken!;
    expect(overlay.requests.map((url) => new URL(url).pathname)).toEqual(
      expect.arrayContaining([
        `/overlay/${token}`,
        '/assets/overlay.css',
        '/assets/overlay.js',
        `/overlay/${token}/events`,
      ]),
    );
    expect(overlay.requests.filter((url) => new URL(url).hostname !== '127.0.0.1')).toEqual([]);
    expect(overlay.consoleErrors).toEqual([]);
  });

  it('plays donations that arrive together one at a time, in order, each for the alert duration', async () => {
    const streamer = await newStreamer(instance);
    const { page } = await openOverlay(await newContext(), overlayUrlOf(instance, streamer));

    const stored = await ingestDonations(instance, streamer.id, [
      sampleDonation({ donorName: 'Первый', amount: '250.00' }),
      sampleDonation({ donorName: null, amount: '1000.00', message: 'Без имени' }),
      sampleDonation({ donorName: 'Третий', amount: '10.50', message: null }),
    ]);
    await waitForAlertsGone(page, 3);

    const log = await overlayLog(page);
    expect(log.alerts.map((alert) => alert.id)).toEqual(stored.map((d) => d.id));
    expect(log.maxOnScreen).toBe(1);
    expect(log.alerts.map((alert) => [alert.badge, alert.title, alert.message])).toEqual([
      [null, 'Первый — 250 RUB', stored[0].message],
      [null, 'Аноним — 1000 RUB', 'Без имени'],
      [null, 'Третий — 10.5 RUB', null],
    ]);
    for (const alert of log.alerts) {
      const shownMs = alert.removedAt! - alert.shownAt;
      expect(shownMs).toBeGreaterThanOrEqual(ALERT_DURATION_MS - 20);
      expect(shownMs).toBeLessThan(ALERT_DURATION_MS + 1000);
      expect(alert.leavingAt).toBeGreaterThan(alert.shownAt);
      expect(alert.leavingAt).toBeLessThan(alert.removedAt!);
    }
    expect(await page.locator('.alert').count()).toBe(0);
  });

  it('shows HTML in a donor name and message as text', async () => {
    const streamer = await newStreamer(instance);
    const { page, requests } = await openOverlay(await newContext(), overlayUrlOf(instance, streamer));
    const message = `<img src=x onerror="document.title='injected'">Привет`;
    const donorName = '<b>Жирный</b>';

    const [stored] = await ingestDonations(instance, streamer.id, [sampleDonation({ donorName, message })]);
    await waitForAlert(page, stored.id);

    const [alert] = (await overlayLog(page)).alerts;
    expect(alert.message).toBe(message);
    expect(alert.title).toBe(`${donorName} — ${Number(stored.amount)} RUB`);
    expect(alert.elementsInText).toBe(0);
    expect(await page.locator('img, b').count()).toBe(0);
    expect(await page.title()).toBe('Overlay');
    expect(requests.filter((url) => new URL(url).pathname.endsWith('/x'))).toEqual([]);
  });

  it('draws an alert stored before alerts had a view from the donation, for OVERLAY_ALERT_DURATION_MS', async () => {
    const streamer = await newStreamer(instance);
    const { page } = await openOverlay(await newContext(), overlayUrlOf(instance, streamer));
    const legacy = {
      donationId: randomUUID(),
      donorName: 'Старый',
      amount: '1250.00',
      currency: 'RUB',
      message: 'Из истории',
      createdAt: 1_700_000_000_000,
      receivedAt: 1_700_000_000_000,
    };
    await instance.app
      .get(OverlayEventLog)
      .append(streamer.id, { type: 'donation', data: legacy as DonationAlertData });
    await waitForAlertsGone(page, 1);

    const [alert] = (await overlayLog(page)).alerts;
    expect(alert).toMatchObject({ id: legacy.donationId, message: 'Из истории', tier: 'base' });
    expect(plainSpaces(alert.title)).toBe('Старый — 1 250,00 ₽');
    const shownMs = alert.removedAt! - alert.shownAt;
    expect(shownMs).toBeGreaterThanOrEqual(FALLBACK_DURATION_MS - 20);
    expect(shownMs).toBeLessThan(FALLBACK_DURATION_MS + 1000);
  });

  describe('alerts drawn from the streamer settings', () => {
    const SOUND_MS = 2500;
    const SPEECH_MS = 600;

    function statesOf(log: OverlayLog, id: string, track: 'sound' | 'tts'): string[] {
      return log.audio
        .filter((change) => change.id === id && change.track === track)
        .map(({ state }) => state);
    }

    function changeAt(log: OverlayLog, id: string, track: 'sound' | 'tts', state: string): number {
      return log.audio.find((change) => change.id === id && change.track === track && change.state === state)!
        .at;
    }

    it("plays a tier's test alert: its image and title, its sound at its volume, then the speech, and stays until they end", async () => {
      const streamer = await newStreamer(instance);
      const context = await newContext();
      const media = new Set<string>();
      await routeMedia(context, media, silentWav(SPEECH_MS));
      const tier = await tierWithMedia(
        instance,
        streamer.id,
        media,
        { image: IMAGE, sound: silentWav(SOUND_MS) },
        { minAmount: 500, titleTemplate: 'Тир: {name}', volume: 30 },
      );
      await putSettings(instance, streamer.id, { tiers: [tier], tts: { enabled: true, volume: 60 } });
      const overlay = await openOverlay(context, overlayUrlOf(instance, streamer));
      const { page } = overlay;

      const res = await fetch(`${instance.origin}/api/overlay/test-alert`, {
        method: 'POST',
        headers: { cookie: sessionCookie(instance, streamer.id), 'content-type': 'application/json' },
        body: JSON.stringify({ amount: 500 }),
      });
      expect(res.status).toBe(201);
      const { donationId } = (await res.json()) as { donationId: string };
      const selector = `.alert[data-donation-id="${donationId}"]`;
      await page.waitForSelector(`${selector}[data-image-state="loaded"]`);
      const card = page.locator(selector);
      expect(
        await card
          .locator('.alert-image')
          .evaluate((image) => (image as unknown as { naturalWidth: number }).naturalWidth),
      ).toBeGreaterThan(0);
      await page.waitForSelector(`${selector}[data-sound-state="playing"]`, { state: 'attached' });
      const volumes = await card.evaluate((node) =>
        Array.from(
          (
            node as unknown as {
              querySelectorAll(s: string): ArrayLike<{ className: string; volume: number }>;
            }
          ).querySelectorAll('audio'),
          (audio) => [audio.className, audio.volume],
        ),
      );
      expect(volumes).toEqual([
        ['alert-sound', 0.3],
        ['alert-tts', 0.6],
      ]);
      await waitForAlertsGone(page, 1);

      const log = await overlayLog(page);
      const [alert] = log.alerts;
      expect(alert).toMatchObject({
        id: donationId,
        tier: '0',
        title: 'Тир: Тестовый донатер',
        badge: 'Тест',
      });
      expect(statesOf(log, donationId, 'sound')).toEqual(['loading', 'playing', 'ended']);
      expect(statesOf(log, donationId, 'tts')).toEqual(['loading', 'playing', 'ended']);
      expect(changeAt(log, donationId, 'tts', 'playing')).toBeGreaterThanOrEqual(
        changeAt(log, donationId, 'sound', 'ended'),
      );
      // Longer than its 2 s: it waited for the sound and the speech.
      expect(alert.removedAt! - alert.shownAt).toBeGreaterThanOrEqual(SOUND_MS + SPEECH_MS - 100);
      expect(alert.leavingAt).toBeGreaterThanOrEqual(changeAt(log, donationId, 'tts', 'ended'));
      const token = streamer.overlayToken!;
      expect(overlay.requests.map((url) => new URL(url).pathname)).toEqual(
        expect.arrayContaining([
          `/overlay/${token}/media/${tier.imageId}`,
          `/overlay/${token}/media/${tier.soundId}`,
          `/overlay/${token}/tts/${donationId}`,
        ]),
      );
      expect(overlay.consoleErrors).toEqual([]);
    });

    it('draws the next alert with settings saved while one is on screen, without a reload', async () => {
      const streamer = await newStreamer(instance);
      const { page } = await openOverlay(await newContext(), overlayUrlOf(instance, streamer));
      const [first] = await ingestDonations(instance, streamer.id, [sampleDonation()]);
      await waitForAlert(page, first.id);

      await putSettings(instance, streamer.id, {
        text: {
          fontSizePx: 48,
          layout: 'image-left',
          textColor: '#00ff00',
          accentColor: '#ff00ff',
          backgroundColor: '#102030',
          enter: 'zoom',
          exit: 'none',
        },
      });
      const [second] = await ingestDonations(instance, streamer.id, [sampleDonation()]);
      await waitForAlertsGone(page, 2);

      const log = await overlayLog(page);
      expect(log.alerts.map((alert) => alert.id)).toEqual([first.id, second.id]);
      const [before, after] = log.alerts;
      expect(before.look).toMatchObject<Partial<CardLook>>({
        fontSize: '32px',
        color: 'rgb(255, 255, 255)',
        titleColor: 'rgb(255, 180, 0)',
        direction: 'column',
        enter: 'fade',
        exit: 'fade',
      });
      expect(before.lookWhenLeaving).toEqual(before.look);
      expect(after.look).toEqual<CardLook>({
        fontSize: '48px',
        color: 'rgb(0, 255, 0)',
        background: 'rgb(16, 32, 48)',
        titleColor: 'rgb(255, 0, 255)',
        direction: 'row',
        enter: 'zoom',
        exit: 'none',
      });
      expect(log.states).toEqual(['connecting', 'live']);
    });

    it('goes on when a sound does not load: that alert keeps its duration and the next one follows', async () => {
      const streamer = await newStreamer(instance);
      const context = await newContext();
      const media = new Set<string>();
      await routeMedia(context, media, null);
      const tier = await tierWithMedia(
        instance,
        streamer.id,
        media,
        { image: IMAGE, sound: null },
        { minAmount: 100 },
      );
      await putSettings(instance, streamer.id, { tiers: [tier] });
      const { page } = await openOverlay(context, overlayUrlOf(instance, streamer));

      const [broken, next] = await ingestDonations(instance, streamer.id, [
        sampleDonation({ amount: '150.00' }),
        sampleDonation({ amount: '5.00' }),
      ]);
      await waitForAlertsGone(page, 2);

      const log = await overlayLog(page);
      expect(log.alerts.map((alert) => [alert.id, alert.tier])).toEqual([
        [broken.id, '0'],
        [next.id, 'base'],
      ]);
      expect(statesOf(log, broken.id, 'sound')).toEqual(['loading', 'error']);
      expect(statesOf(log, broken.id, 'tts')).toEqual(['none']);
      expect(statesOf(log, next.id, 'sound')).toEqual(['none']);
      const shownMs = log.alerts[0].removedAt! - log.alerts[0].shownAt;
      expect(shownMs).toBeGreaterThanOrEqual(ALERT_DURATION_MS - 20);
      expect(shownMs).toBeLessThan(ALERT_DURATION_MS + 1000);
    });
  });

  describe('steered from the dashboard', () => {
    const post = (streamer: StreamerEntity, path: string) =>
      fetch(`${instance.origin}/api/overlay/${path}`, {
        method: 'POST',
        headers: { cookie: sessionCookie(instance, streamer.id) },
      }).then((res) => {
        expect(res.status).toBe(200);
        return res.body?.cancel();
      });

    it('holds alerts while paused, also after a reload, and plays them in order on resume', async () => {
      const streamer = await newStreamer(instance);
      const context = await newContext();
      const first = await openOverlay(context, overlayUrlOf(instance, streamer));
      await post(streamer, 'pause');
      await first.page.waitForSelector('#overlay[data-paused="true"]', { state: 'attached' });

      // A reload (OBS restarting the source) opens paused: the stream starts with the pause.
      await first.page.close();
      const { page } = await openOverlay(context, overlayUrlOf(instance, streamer));
      await page.waitForSelector('#overlay[data-paused="true"]', { state: 'attached' });
      const stored = await ingestOntoOverlay(instance, streamer.id, [sampleDonation(), sampleDonation()]);
      // Both reached the page and wait in its queue, none on screen.
      await page.waitForSelector('#overlay[data-queued="2"]', { state: 'attached' });
      expect(await page.locator('.alert').count()).toBe(0);
      await post(streamer, 'resume');
      await waitForAlertsGone(page, 2);
      expect(await shownIds(page)).toEqual(stored.map((donation) => donation.id));
    });

    it('skips the alert on screen at once, and replays a donation once without it counting as new', async () => {
      const streamer = await newStreamer(instance);
      const context = await newContext();
      const { page } = await openOverlay(context, overlayUrlOf(instance, streamer));
      const [donation] = await ingestDonations(instance, streamer.id, [sampleDonation()]);
      await waitForAlert(page, donation.id);
      await post(streamer, 'skip');
      await waitForAlertsGone(page, 1);
      const [skipped] = (await overlayLog(page)).alerts;
      expect(skipped.removedAt! - skipped.shownAt).toBeLessThan(ALERT_DURATION_MS - 500);

      // The recorder keys alerts by donation id, so the replay is watched as its own card.
      await post(streamer, `replay/${donation.id}`);
      const replay = page.locator(`.alert[data-replay="true"][data-donation-id="${donation.id}"]`);
      await replay.waitFor({ state: 'attached' });
      await replay.waitFor({ state: 'detached' });
      expect(await page.locator('.alert').count()).toBe(0);
    });
  });

  describe('when the app restarts on the same port and database', () => {
    /** An overlay page that has shown one donation, and the app restarted under it. */
    async function showOneThenRestart() {
      let app = await bootOwnApp();
      cleanups.push(() => app.close());
      const streamer = await newStreamer(app);
      const { page } = await openOverlay(await newContext(), overlayUrlOf(app, streamer));
      const [before] = await ingestDonations(app, streamer.id, [sampleDonation()]);
      await waitForAlert(page, before.id);
      app = await app.restart();
      return { app, streamer, page, before };
    }

    async function reconnected(app: ListeningTestApp, page: Page): Promise<void> {
      await waitForReconnect(page);
      await waitFor(() => app.app.get(OverlayEventLog).stats().listeners === 1, {
        what: 'the page to listen on the restarted app',
      });
    }

    it('reconnects by itself and shows a donation sent once it is back', async () => {
      const { app, streamer, page, before } = await showOneThenRestart();
      await reconnected(app, page);
      const [after] = await ingestDonations(app, streamer.id, [sampleDonation()]);
      await waitForAlert(page, after.id);

      expect(await shownIds(page)).toEqual([before.id, after.id]);
    });

    it('shows a donation that arrived while it was reconnecting', async () => {
      const { app, streamer, page, before } = await showOneThenRestart();
      // The page waits the stream's `retry:` (3 s) before reconnecting: this one is stored in between.
      expect(app.app.get(OverlayStreams).openStreams()).toBe(0);
      const [during] = await ingestDonations(app, streamer.id, [sampleDonation()]);
      await reconnected(app, page);
      const [after] = await ingestDonations(app, streamer.id, [sampleDonation()]);
      await waitForAlert(page, after.id);

      // A replay comes before live events, so once `after` is shown, `during` would have been too.
      expect(await shownIds(page)).toEqual([before.id, during.id, after.id]);
    });
  });

  it('dashboard: the test button shows an alert; a new address leaves the old page reconnecting', async () => {
    const user = addTwitchUser(fakes.twitch);
    const context = await newContext();
    await context.route('https://static-cdn.jtvnw.net/**', (route) =>
      route.fulfill({ status: 200, contentType: 'image/svg+xml', body: AVATAR_SVG }),
    );
    const dashboard = await context.newPage();
    fakes.twitch.nextLoginAs(user.id);
    await dashboard.goto(`${instance.publicUrl}/auth/twitch`);
    await dashboard.waitForURL(`${instance.publicUrl}/dashboard`);
    const stored = await streamerByTwitchId(instance.dataSource, user.id);
    const oldUrl = await dashboard.locator('#overlay-url').inputValue();
    expect(oldUrl).toBe(`${instance.publicUrl}/overlay/${stored.overlay_token}`);
    const oldTab = await openOverlay(context, oldUrl);

    await dashboard.click('#test-alert');
    await dashboard
      .locator('#overlay-status', { hasText: 'Тестовое оповещение отправлено на оверлей.' })
      .waitFor();
    await waitForAlertCount(oldTab.page, 1);
    expect((await overlayLog(oldTab.page)).alerts[0]).toMatchObject({
      badge: 'Тест',
      title: 'Тестовый донатер — 100 RUB',
    });

    let confirmation: string | undefined;
    dashboard.once('dialog', (dialog) => {
      confirmation = dialog.message();
      void dialog.accept();
    });
    await dashboard.click('#rotate-token');
    await dashboard.locator('#overlay-status', { hasText: 'Ссылка сменена.' }).waitFor();
    const newUrl = await dashboard.locator('#overlay-url').inputValue();
    const rotated = await streamerByTwitchId(instance.dataSource, user.id);

    expect(confirmation).toBe(
      'Старая ссылка сразу перестанет работать, и её придётся заменить в OBS. Сменить?',
    );
    expect(newUrl).toBe(`${instance.publicUrl}/overlay/${rotated.overlay_token}`);
    expect(newUrl).not.toBe(oldUrl);
    await waitForState(oldTab.page, 'reconnecting');
    const oldPage = await fetch(`${instance.origin}${new URL(oldUrl).pathname}`);
    expect(oldPage.status).toBe(404);
    await oldPage.body?.cancel();

    const newTab = await openOverlay(context, newUrl);
    await dashboard.click('#test-alert');
    await waitForAlertCount(newTab.page, 1);

    expect((await overlayLog(newTab.page)).alerts[0]).toMatchObject({ badge: 'Тест' });
    const oldLog = await overlayLog(oldTab.page);
    expect(oldLog.alerts).toHaveLength(1);
    expect(oldLog.states.slice(oldLog.states.indexOf('reconnecting'))).not.toContain('live');
  });
});
