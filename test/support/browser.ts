import { existsSync } from 'node:fs';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  type LaunchOptions,
  type Page,
} from 'playwright-core';

/** The system Chromium (Debian's `chromium` package); override with CHROMIUM_PATH on another machine. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Everything that would make Chromium reach the internet or need a display or a sandbox is off. No
 * `--user-data-dir`: Playwright refuses it in `launch()` and gives every launch a fresh temp profile of its
 * own, removed on close.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // OBS lets a browser source play sound without a click; the overlay's alert sounds need the same.
  '--autoplay-policy=no-user-gesture-required',
];

export interface TestBrowser {
  browser: Browser;
  /** A fresh context (its own cookies and storage) that `close()` also closes. */
  context: BrowserContext;
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/** Throws, saying how to install it, when Chromium is missing: browser tests never skip silently. */
export function requireChromium(path = CHROMIUM_PATH): void {
  if (!existsSync(path)) {
    throw new Error(
      `No Chromium at ${path}: install Debian's chromium package (apt-get install -y chromium, as CI ` +
        'does) or point CHROMIUM_PATH at a Chromium binary',
    );
  }
}

/**
 * A headless system Chromium with one new context (`contextOptions`: e.g. `locale`, which also sets
 * Accept-Language; headless Chromium asks for en-US otherwise). Note that cookies are per host, not per port,
 * in a real browser: the app and the fakes on 127.0.0.1 share one cookie jar.
 */
export async function launchBrowser(
  options: LaunchOptions = {},
  contextOptions: BrowserContextOptions = {},
): Promise<TestBrowser> {
  const executablePath = options.executablePath ?? CHROMIUM_PATH;
  requireChromium(executablePath);
  const browser = await chromium.launch({
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 30_000,
    ...options,
    executablePath,
  });
  try {
    const context = await browser.newContext(contextOptions);
    return {
      browser,
      context,
      newPage: () => context.newPage(),
      close: async () => {
        await context.close();
        await browser.close();
      },
    };
  } catch (error) {
    await browser.close();
    throw error;
  }
}
