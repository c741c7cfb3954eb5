import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type LaunchOptions, type Page } from 'playwright-core';

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
];

export interface TestBrowser {
  browser: Browser;
  /** A fresh context (its own cookies and storage) that `close()` also closes. */
  context: BrowserContext;
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM_PATH);
}

/**
 * A headless system Chromium with one new context. Note that cookies are per host, not per port, in a real
 * browser: the app and the fakes on 127.0.0.1 share one cookie jar.
 */
export async function launchBrowser(options: LaunchOptions = {}): Promise<TestBrowser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 30_000,
    ...options,
  });
  try {
    const context = await browser.newContext();
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
