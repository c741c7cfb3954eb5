import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
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
import { ingestDonations, sampleDonation } from '../support/overlay';

const SCREENSHOTS = resolve(__dirname, '../../reports/screenshots');
/** Short, so a queue of alerts plays out in seconds; the smallest the setting allows is 1000. */
const ALERT_DURATION_MS = 1500;
const OVERLAY_SIZE = { width: 1920, height: 1080 };
/** What Twitch's CDN would send for an avatar; the browser never reaches the internet. */
const AVATAR_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="300"><rect width="300" height="300" fill="#9146ff"/></svg>';

/** One alert as the overlay showed it, read when it appeared. */
interface ShownAlert {
  id: string;
  badge: string | null;
  donor: string | null;
  amount: string | null;
  message: string | null;
  /** Elements inside the donor name and the message: any is markup the page let through. */
  elementsInText: number;
  shownAt: number;
  leavingAt: number | null;
  removedAt: number | null;
}

/** What the recorder saw, in the order the DOM changed (times from the page's performance.now()). */
interface OverlayLog {
  states: string[];
  alerts: ShownAlert[];
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
window.overlayLog = { states: [], alerts: [], maxOnScreen: 0 };
(function () {
  var log = window.overlayLog;
  var onScreen = 0;
  function isAlert(node) { return node.nodeType === 1 && node.classList.contains('alert'); }
  function text(card, selector) { var node = card.querySelector(selector); return node ? node.textContent : null; }
  function entry(card) {
    var id = card.getAttribute('data-donation-id');
    return log.alerts.filter(function (alert) { return alert.id === id; })[0];
  }
  new MutationObserver(function (records) {
    records.forEach(function (record) {
      var target = record.target;
      if (record.type === 'attributes') {
        if (record.attributeName === 'data-state' && target.id === 'overlay') {
          log.states.push(target.getAttribute('data-state'));
        } else if (record.attributeName === 'class' && isAlert(target) && target.classList.contains('leaving')) {
          entry(target).leavingAt = performance.now();
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
          donor: text(node, '.alert-donor'),
          amount: text(node, '.alert-amount'),
          message: text(node, '.alert-message'),
          elementsInText: node.querySelectorAll('.alert-donor *, .alert-message *').length,
          shownAt: performance.now(),
          leavingAt: null,
          removedAt: null,
        });
      });
      record.removedNodes.forEach(function (node) {
        if (!isAlert(node)) { return; }
        onScreen -= 1;
        entry(node).removedAt = performance.now();
      });
    });
  }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state', 'class'] });
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

let streamerNumber = 0;

function newStreamer(app: ListeningTestApp): Promise<StreamerEntity> {
  streamerNumber += 1;
  const twitchId = String(80_000 + streamerNumber);
  return app.app
    .get(StreamersRepository)
    .create({ twitchId, login: `overlay_${streamerNumber}`, displayName: `Overlay_${streamerNumber}` });
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
  async function bootOwnApp(alertDurationMs = ALERT_DURATION_MS): Promise<ListeningTestApp> {
    const own = await createBackingServices('sqlite');
    cleanups.push(() => own.close());
    return bootApp(
      { ...INSTANCE_TEST_ENV, ...own.env, OVERLAY_ALERT_DURATION_MS: String(alertDurationMs) },
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
        OVERLAY_ALERT_DURATION_MS: String(ALERT_DURATION_MS),
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
    // Long enough that a slow screenshot still catches the alert before it starts leaving.
    const app = await bootOwnApp(60_000);
    cleanups.push(() => app.close());
    const streamer = await newStreamer(app);
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
      donor: 'Тестовый донатер',
      message: 'Это тестовое оповещение',
    });
    expect(plainSpaces(alert.amount)).toBe('100,00 ₽');
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
    expect(
      log.alerts.map((alert) => [alert.badge, alert.donor, plainSpaces(alert.amount), alert.message]),
    ).toEqual([
      [null, 'Первый', '250,00 ₽', stored[0].message],
      [null, 'Аноним', '1 000,00 ₽', 'Без имени'],
      [null, 'Третий', '10,50 ₽', null],
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
    expect(alert.donor).toBe(donorName);
    expect(alert.elementsInText).toBe(0);
    expect(await page.locator('img, b').count()).toBe(0);
    expect(await page.title()).toBe('Overlay');
    expect(requests.filter((url) => new URL(url).pathname.endsWith('/x'))).toEqual([]);
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
      donor: 'Тестовый донатер',
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
