import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { BrowserContext, Page } from 'playwright-core';
import { ChatEvents, type ViewerMessage } from '../../src/common';
import { AvatarWall } from '../../src/overlay/avatar-wall.service';
import { StreamersRepository } from '../../src/streamers/streamers.repository';
import type { TwitchUserInput } from '../fakes/fake-twitch';
import { ADMIN_API_KEY } from '../support/admin';
import { bootApp, INSTANCE_TEST_ENV, type ListeningTestApp } from '../support/app';
import { launchBrowser, type TestBrowser } from '../support/browser';
import { createBackingServices, type BackingServices } from '../support/deployments';
import { ManualClock } from '../support/manual-clock';
import { logInNewStreamer, startOnboardingFakes, type OnboardingFakes } from '../support/onboarding';
import { openSse } from '../support/sse-client';
import { ALERT_STREAM } from '../support/overlay';

const SCREENSHOTS = resolve(__dirname, '../../reports/screenshots');
const IDLE_MS = 60_000;
const OVERLAY_SIZE = { width: 1920, height: 1080 };
/** What Twitch's CDN would send for an avatar; the browser never reaches the internet. */
const AVATAR_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="300"><rect width="300" height="300" fill="#00b5ad"/></svg>';

/**
 * The avatar wall page and the alert page in a real headless Chromium, against one SQLite instance with the
 * fake Twitch (Helix avatars) and a manual clock for the idle time. Viewer lines are emitted as the bot would.
 */
describe('avatars page in a browser', () => {
  let services: BackingServices;
  let fakes: OnboardingFakes;
  let app: ListeningTestApp;
  let browser: TestBrowser;
  const clock = new ManualClock();
  const contexts: BrowserContext[] = [];
  let viewerSeq = 0;

  async function newContext(): Promise<BrowserContext> {
    const context = await browser.browser.newContext({ locale: 'ru-RU', viewport: OVERLAY_SIZE });
    contexts.push(context);
    context.setDefaultTimeout(10_000);
    await context.route('https://static-cdn.jtvnw.net/**', (route) =>
      route.fulfill({ status: 200, contentType: 'image/svg+xml', body: AVATAR_SVG }),
    );
    return context;
  }

  /** A page and the console errors it logged (Chromium's own /favicon.ico request aside). */
  async function openPage(url: string): Promise<{ page: Page; consoleErrors: string[] }> {
    const page = await (await newContext()).newPage();
    const consoleErrors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.location().url.endsWith('/favicon.ico')) {
        consoleErrors.push(`${message.text()} (${message.location().url})`);
      }
    });
    const response = await page.goto(url);
    expect(response?.status()).toBe(200);
    await page.waitForSelector('[data-state="live"]', { state: 'attached' });
    return { page, consoleErrors };
  }

  async function newStreamer(): Promise<{ streamerId: string; token: string }> {
    const { streamerId } = await logInNewStreamer(app, fakes.twitch);
    const streamer = await app.app.get(StreamersRepository).findById(streamerId);
    return { streamerId, token: streamer!.overlayToken! };
  }

  function newViewer(overrides: Partial<TwitchUserInput> = {}): TwitchUserInput {
    viewerSeq += 1;
    const id = String(8_000_000 + viewerSeq);
    const user: TwitchUserInput = {
      id,
      login: `zritel_${viewerSeq}`,
      display_name: `Зритель_${viewerSeq}`,
      profile_image_url: `https://static-cdn.jtvnw.net/jtv_user_pictures/zritel-${id}-300x300.png`,
      ...overrides,
    };
    fakes.twitch.addUser(user);
    return user;
  }

  function say(streamerId: string, user: TwitchUserInput): void {
    const message: ViewerMessage = {
      streamerId,
      userId: user.id,
      login: user.login,
      displayName: user.display_name,
      text: 'привет',
      sentAt: clock.now(),
    };
    app.app.get(EventEmitter2).emit(ChatEvents.viewerMessage, message);
  }

  function tile(page: Page, user: TwitchUserInput) {
    return page.locator(`.avatar[data-user-id="${user.id}"]`);
  }

  beforeAll(async () => {
    services = await createBackingServices('sqlite');
    fakes = await startOnboardingFakes();
    app = await bootApp(
      {
        ...INSTANCE_TEST_ENV,
        ...services.env,
        ...fakes.env,
        AVATARS_IDLE_MS: String(IDLE_MS),
        OVERLAY_ALERT_DURATION_MS: '60000',
      },
      { listen: true, clock },
    );
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
    await fakes?.close();
    await services?.close();
  });

  it('shows the avatar of a viewer who writes in chat, with their name, on a transparent page', async () => {
    const { streamerId, token } = await newStreamer();
    const { page, consoleErrors } = await openPage(`${app.origin}/overlay/${token}/avatars`);
    const alice = newViewer();

    say(streamerId, alice);

    const image = tile(page, alice).locator('img.avatar-image');
    await image.waitFor();
    expect(await image.getAttribute('src')).toBe(alice.profile_image_url);
    // The fake CDN's picture really loaded: decode() settles once the image can be drawn, and fails if it cannot.
    expect(
      await image.evaluate((img: { decode(): Promise<void>; naturalWidth: number }) =>
        img.decode().then(() => img.naturalWidth),
      ),
    ).toBe(300);
    expect(await tile(page, alice).locator('.avatar-name').textContent()).toBe(alice.display_name);
    expect(
      await page.evaluate('getComputedStyle(document.querySelector(".avatar-image")).borderRadius'),
    ).toBe('50%');
    expect(await page.evaluate('getComputedStyle(document.body).backgroundColor')).toBe('rgba(0, 0, 0, 0)');
    await tile(page, alice).evaluate((node: { getAnimations(): Array<{ finished: Promise<unknown> }> }) =>
      Promise.all(node.getAnimations().map((animation) => animation.finished)).then(() => undefined),
    );
    // Measured once the fade-in (which scales the tile) is over.
    const box = await image.boundingBox();
    expect(box).toMatchObject({ width: 120, height: 120 });
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, 'overlay-avatars.png'), omitBackground: true });
    expect(consoleErrors).toEqual([]);
  });

  it('draws initials when Helix fails, starts a reopened page with the wall, and fades idle viewers out', async () => {
    const { streamerId, token } = await newStreamer();
    const url = `${app.origin}/overlay/${token}/avatars`;
    const { page } = await openPage(url);
    const [alice, bob] = [newViewer(), newViewer({ display_name: 'bob the builder' })];
    say(streamerId, alice);
    await tile(page, alice).locator('img').waitFor();
    fakes.twitch.failNext('GET', '/helix/users', { status: 500, json: { message: 'down' } });

    clock.advance(1000);
    say(streamerId, bob);

    const initials = tile(page, bob).locator('.avatar-initials');
    await initials.waitFor();
    expect(await initials.textContent()).toBe('BO');
    const { page: reopened } = await openPage(url);
    await tile(reopened, bob).locator('.avatar-initials').waitFor();
    expect(
      await reopened
        .locator('.avatar')
        .evaluateAll((nodes: Array<{ getAttribute(name: string): string | null }>) =>
          nodes.map((node) => node.getAttribute('data-user-id')),
        ),
    ).toEqual([alice.id, bob.id]);

    clock.advance(IDLE_MS - 1000);
    await app.app.get(AvatarWall).sweep();
    await tile(page, alice).waitFor({ state: 'detached' });
    await tile(reopened, alice).waitFor({ state: 'detached' });
    expect(await page.locator('.avatar').count()).toBe(1);
  });

  it('the alert page ignores chatter and shows the next alert as usual', async () => {
    const { streamerId, token } = await newStreamer();
    const { page, consoleErrors } = await openPage(`${app.origin}/overlay/${token}`);
    const observer = await openSse(`${app.origin}/overlay/${token}/events`, {}, ALERT_STREAM);
    const alice = newViewer();

    say(streamerId, alice);
    // Events of one streamer arrive in order: the page got this chatter before the alert sent next.
    const chatter = await observer.next();
    observer.close();
    expect(chatter.event).toBe('chatter');
    const res = await fetch(`${app.origin}/api/admin/streamers/${streamerId}/test-alert`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_API_KEY}` },
    });
    expect(res.status).toBe(201);
    const { donationId } = (await res.json()) as { donationId: string };

    await page.locator(`.alert[data-donation-id="${donationId}"]`).waitFor();
    expect(await page.locator('#overlay > *').count()).toBe(1);
    expect(await page.locator('#overlay').textContent()).not.toContain(alice.display_name);
    expect(consoleErrors).toEqual([]);
  });
});
