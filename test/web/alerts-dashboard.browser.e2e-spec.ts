import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { DEFAULT_ALERT_SETTINGS, type AlertSettings } from '../../src/alerts';
import type { DonationAlertData } from '../../src/overlay/overlay-event';
import type { StreamerEntity } from '../../src/streamers/entities/streamer.entity';
import { StreamersRepository } from '../../src/streamers/streamers.repository';
import { bootApp, INSTANCE_TEST_ENV, type ListeningTestApp } from '../support/app';
import { launchBrowser, type TestBrowser } from '../support/browser';
import { createBackingServices, type BackingServices } from '../support/deployments';
import { ALERT_STREAM, ingestDonations, sampleDonation, sessionCookie } from '../support/overlay';
import { openSse } from '../support/sse-client';
import { waitFor } from '../support/waiting';
import { pngImage } from '../support/media-files';
import { OverlayControls } from '../../src/overlay/overlay-controls.service';

const SCREENSHOTS = resolve(__dirname, '../../reports/screenshots');

/**
 * The dashboard's «Оповещения» card in a real headless Chromium (Russian) against one SQLite instance: the
 * settings form, the per-tier test alert and the «На проверке» list. The media routes are not part of this
 * app yet: the card says so and the rest works.
 */
describe('the «Оповещения» card in a browser', () => {
  let services: BackingServices;
  let app: ListeningTestApp;
  let browser: TestBrowser;
  let streamerNumber = 0;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    services = await createBackingServices('sqlite');
    app = await bootApp({ ...INSTANCE_TEST_ENV, ...services.env }, { listen: true });
    browser = await launchBrowser();
  });

  afterEach(async () => {
    for (const context of contexts.splice(0)) {
      await context.close();
    }
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await services?.close();
  });

  function newStreamer(): Promise<StreamerEntity> {
    streamerNumber += 1;
    const n = `${90_000 + streamerNumber}`;
    return app.app
      .get(StreamersRepository)
      .create({ twitchId: n, login: `alerts_${n}`, displayName: `Alerts_${n}` });
  }

  function api(streamerId: string, path: string): Promise<Response> {
    return fetch(`${app.origin}${path}`, { headers: { cookie: sessionCookie(app, streamerId) } });
  }

  async function settingsOf(streamerId: string): Promise<AlertSettings> {
    const res = await api(streamerId, '/api/alerts/settings');
    expect(res.status).toBe(200);
    return (await res.json()) as AlertSettings;
  }

  async function heldOf(streamerId: string): Promise<Array<{ donationId: string }>> {
    const res = await api(streamerId, '/api/alerts/held');
    expect(res.status).toBe(200);
    return ((await res.json()) as { held: Array<{ donationId: string }> }).held;
  }

  /** The streamer's dashboard, once the form has loaded the settings. */
  async function openDashboard(streamerId: string): Promise<Page> {
    const context = await browser.browser.newContext({ locale: 'ru-RU' });
    contexts.push(context);
    context.setDefaultTimeout(10_000);
    const [name, value] = sessionCookie(app, streamerId).split('=');
    await context.addCookies([{ name, value, url: app.origin }]);
    const page = await context.newPage();
    await page.goto(`${app.origin}/dashboard`);
    await page.waitForSelector('#alerts-form[data-state="ready"]', { state: 'attached' });
    return page;
  }

  const control = (name: string) => `#alerts-form [name="${name}"]`;
  const errorOf = (path: string) => `#alerts-form [data-path="${path}"] > .field-error`;

  async function saveAndWait(page: Page, status: string): Promise<void> {
    await page.click('#alerts-save');
    await page.locator('#alerts-status', { hasText: status }).waitFor();
  }

  it('loads the defaults, saves a change, and shows refused values next to their fields without saving them', async () => {
    const streamer = await newStreamer();
    const page = await openDashboard(streamer.id);

    const { text, tts, moderation } = DEFAULT_ALERT_SETTINGS;
    expect(await page.inputValue(control('text.titleTemplate'))).toBe(text.titleTemplate);
    expect(await page.inputValue(control('text.fontSizePx'))).toBe(String(text.fontSizePx));
    expect(await page.inputValue(control('text.durationSeconds'))).toBe(String(text.durationSeconds));
    expect(await page.inputValue(control('text.backgroundColor'))).toBe(text.backgroundColor);
    expect(await page.inputValue(control('text.layout'))).toBe(text.layout);
    expect(await page.inputValue(control('tts.template'))).toBe(tts.template);
    expect(await page.isChecked(control('tts.enabled'))).toBe(false);
    expect(await page.inputValue(control('moderation.action'))).toBe(moderation.action);
    expect(await page.isChecked(control('moderation.builtInList'))).toBe(true);
    expect(await page.locator('#alerts-tiers .tier').count()).toBe(0);
    expect(await page.isHidden('#alerts-tts-unavailable')).toBe(true);
    await page.locator('#alerts-media-usage', { hasText: 'Занято' }).waitFor();
    expect(await page.textContent('#alerts-media-list')).toBe('Файлов пока нет.');

    await page.fill(control('text.fontSizePx'), '40');
    await page.selectOption(control('text.layout'), 'image-left');
    await page.click('#alerts-add-currency');
    await page.fill('#alerts-currencies .currency-row [data-name="currency"]', 'usd');
    await page.fill('#alerts-currencies .currency-row [data-name="amount"]', '1.5');
    await page.click('#alerts-add-tier');
    await page.click('#alerts-add-tier');
    const tiers = page.locator('#alerts-tiers .tier');
    await tiers.nth(0).locator('[data-name="minAmount"]').fill('100');
    await tiers.nth(1).locator('[data-name="minAmount"]').fill('500');
    await tiers.nth(1).locator('[data-name="titleTemplate"]').fill('Большой донат от {name}!');
    await tiers.nth(1).locator('[data-tier-action="up"]').click();
    await page.fill(control('moderation.words'), 'спойлер\n\n  дур*  ');
    await saveAndWait(page, 'Настройки оповещений сохранены.');

    const saved = await settingsOf(streamer.id);
    expect(saved.text).toEqual({ ...text, fontSizePx: 40, layout: 'image-left' });
    expect(saved.minimums).toEqual({ default: 0, byCurrency: { USD: 1.5 } });
    expect(
      saved.tiers.map((tier) => [tier.minAmount, tier.currency, tier.titleTemplate, tier.volume]),
    ).toEqual([
      [500, 'RUB', 'Большой донат от {name}!', 80],
      [100, 'RUB', null, 80],
    ]);
    expect(saved.moderation).toEqual({ ...moderation, words: ['спойлер', 'дур*'] });
    expect(saved.tts).toEqual(tts);
    mkdirSync(SCREENSHOTS, { recursive: true });
    await (await page.$('#alerts'))!.screenshot({ path: join(SCREENSHOTS, 'alerts-card.png') });

    await page.fill(control('text.durationSeconds'), '1');
    await page.fill(control('text.titleTemplate'), 'Привет, {nope}!');
    await tiers.nth(1).locator('[data-name="minAmount"]').fill('-5');
    await saveAndWait(page, 'Не сохранено: исправьте отмеченные поля.');

    expect(await page.textContent(errorOf('text.durationSeconds'))).toMatch(/durationSeconds/);
    expect(await page.textContent(errorOf('text.titleTemplate'))).toContain('{nope}');
    expect(await page.isVisible(errorOf('text.durationSeconds'))).toBe(true);
    expect(
      await tiers.nth(1).locator('[data-path="tiers.1.minAmount"] > .field-error').textContent(),
    ).toMatch(/minAmount/);
    expect(await tiers.nth(0).locator('.field-error:not([hidden])').count()).toBe(0);
    expect(await page.isHidden(errorOf('text.fontSizePx'))).toBe(true);
    await expect(settingsOf(streamer.id)).resolves.toEqual(saved);

    await page.reload();
    await page.waitForSelector('#alerts-form[data-state="ready"]', { state: 'attached' });
    expect(await page.inputValue(control('text.fontSizePx'))).toBe('40');
    expect(await page.inputValue(control('text.durationSeconds'))).toBe(String(text.durationSeconds));
    expect(await tiers.count()).toBe(2);
  });

  it("sends a tier's test alert with its amount from the «Проверить» button", async () => {
    const streamer = await newStreamer();
    const page = await openDashboard(streamer.id);
    await page.click('#alerts-add-tier');
    const tier = page.locator('#alerts-tiers .tier').first();
    await tier.locator('[data-name="minAmount"]').fill('300');
    await tier.locator('[data-name="currency"]').fill('USD');
    await saveAndWait(page, 'Настройки оповещений сохранены.');
    const stream = await openSse(`${app.origin}/overlay/${streamer.overlayToken!}/events`, {}, ALERT_STREAM);
    try {
      await waitFor(() => stream.snapshot !== undefined, { what: 'the settings snapshot' });
      await tier.locator('[data-tier-action="try"]').click();
      await tier.locator('.tier-status', { hasText: 'Тестовое оповещение отправлено.' }).waitFor();

      const event = await stream.next();
      expect(event.event).toBe('test');
      const alert = JSON.parse(event.data) as DonationAlertData;
      expect(alert).toMatchObject({ amount: '300.00', currency: 'USD' });
      expect(alert.view.tier).toBe(0);
    } finally {
      stream.close();
      await stream.ended;
    }
  });

  it('uploads an image, offers it for a tier, and deletes it; a file of the wrong type shows the server message', async () => {
    const streamer = await newStreamer();
    const page = await openDashboard(streamer.id);
    await page.locator('#alerts-media-usage', { hasText: 'Занято' }).waitFor();

    await page.setInputFiles('#alerts-media-file', {
      name: 'star.png',
      mimeType: 'image/png',
      buffer: pngImage(),
    });
    await page.click('#alerts-media-upload');
    const row = page.locator('#alerts-media-list [data-media-id]');
    await row.filter({ hasText: 'star.png' }).waitFor();
    const id = await row.getAttribute('data-media-id');
    await page.click('#alerts-add-tier');
    const image = page.locator('#alerts-tiers .tier select[data-kind="image"]').first();
    expect(await image.locator('option').allTextContents()).toContain('star.png');

    await page.setInputFiles('#alerts-media-file', {
      name: 'fake.png',
      mimeType: 'image/png',
      buffer: Buffer.from('<html>not an image</html>'),
    });
    await page.click('#alerts-media-upload');
    await page.locator('#alerts-media-status:not([hidden])').waitFor();
    expect(await page.locator('#alerts-media-list [data-media-id]').count()).toBe(1);

    await row.locator('button').click();
    await page.locator('#alerts-media-list', { hasText: 'Файлов пока нет.' }).waitFor();
    const listed = await api(streamer.id, '/api/alerts/media');
    expect(((await listed.json()) as { media: Array<{ id: string }> }).media.map((m) => m.id)).not.toContain(
      id,
    );
  });

  it('pauses and resumes the overlay from the dashboard buttons', async () => {
    const streamer = await newStreamer();
    const page = await openDashboard(streamer.id);
    const controls = app.app.get(OverlayControls);
    await page.click('#overlay-pause');
    await page.locator('#overlay-status', { hasText: 'Оповещения на паузе' }).waitFor();
    await expect(controls.isPaused(streamer.id)).resolves.toBe(true);
    await page.click('#overlay-resume');
    await page.locator('#overlay-status', { hasText: 'Оповещения снова идут' }).waitFor();
    await expect(controls.isPaused(streamer.id)).resolves.toBe(false);
    await page.click('#overlay-skip');
    await page.locator('#overlay-status', { hasText: 'Текущее оповещение пропущено' }).waitFor();
  });

  it('holds a donation with a banned word, lists it «На проверке», and approving it removes the row', async () => {
    const streamer = await newStreamer();
    const page = await openDashboard(streamer.id);
    await page.locator('#alerts-held-list', { hasText: 'Ничего не ждёт проверки.' }).waitFor();
    await page.selectOption(control('moderation.action'), 'hold');
    await page.fill(control('moderation.words'), 'редиска');
    await saveAndWait(page, 'Настройки оповещений сохранены.');

    const [held] = await ingestDonations(app, streamer.id, [
      sampleDonation({ donorName: '<i>Вася</i>', message: 'ты редиска' }),
    ]);
    await waitFor(async () => (await heldOf(streamer.id)).length === 1, { what: 'the donation to be held' });
    await page.click('#alerts-held-refresh');
    const row = page.locator(`#alerts-held-list li[data-donation-id="${held.id}"]`);
    await row.waitFor();
    expect(await row.locator('strong').textContent()).toBe('<i>Вася</i>');
    expect(await row.locator('.held-message').textContent()).toBe('ты редиска');
    expect(await row.locator('i').count()).toBe(0);

    await row.locator('button', { hasText: 'Показать' }).click();
    await row.waitFor({ state: 'detached' });
    await page.locator('#alerts-held-list', { hasText: 'Ничего не ждёт проверки.' }).waitFor();
    expect(await heldOf(streamer.id)).toEqual([]);
  });
});
