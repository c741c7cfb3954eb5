import { DEFAULT_THANKS_TEMPLATE } from '../bots';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { avatarsPage } from '../overlay/avatars-page';
import { overlayPage } from '../overlay/overlay-page';
import { messagePage } from '../auth/auth-pages';
import { dashboardPage, landingPage } from './pages';
import { publicAssetsDir } from './public-assets';

const PROJECT_ROOT = resolve(__dirname, '../..');

/** Every `/assets/...` URL a page's HTML loads. */
function assetUrlsOf(page: string): string[] {
  return [...page.matchAll(/(?:src|href)="\/assets\/([^"]+)"/g)].map(([, file]) => file);
}

describe('publicAssetsDir', () => {
  it('finds src/web/public from the sources', () => {
    expect(publicAssetsDir()).toBe(join(PROJECT_ROOT, 'src', 'web', 'public'));
  });

  it('finds the same folder from the compiled code under dist/', () => {
    expect(publicAssetsDir(join(PROJECT_ROOT, 'dist', 'src', 'web'))).toBe(publicAssetsDir());
  });

  it('fails with the starting folder when no package.json is above it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'public-assets-'));
    try {
      expect(() => publicAssetsDir(dir)).toThrow(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('holds every asset the pages load', () => {
    const pages = [
      landingPage('ru', { loginConfigured: true, loggedIn: false }),
      dashboardPage('ru', {
        displayName: 'Streamer',
        login: 'streamer',
        avatarUrl: null,
        status: 'active',
        overlayUrl: 'http://localhost/overlay/token',
        donationAlerts: { state: 'not-connected' },
        bot: {
          enabled: true,
          template: DEFAULT_THANKS_TEMPLATE,
          defaultTemplate: DEFAULT_THANKS_TEMPLATE,
          thankTestAlerts: false,
          status: 'connected',
          owner: 'instance-1',
          since: 1,
          lastError: null,
          canSpeak: false,
          speaksAs: 'streamer',
        },
        ttsAvailable: false,
      }),
      messagePage('en', 'login-expired'),
      overlayPage('ru', {
        eventsUrl: '/overlay/token/events',
        mediaUrl: '/overlay/token/media',
        ttsUrl: '/overlay/token/tts',
        alertDurationMs: 8000,
      }),
      avatarsPage('ru', { eventsUrl: '/overlay/token/events?wall=1' }),
    ];
    const files = [...new Set(pages.flatMap(assetUrlsOf))].sort();

    expect(files).toEqual([
      'alerts.js',
      'app.css',
      'avatars.css',
      'avatars.js',
      'dashboard.js',
      'overlay.css',
      'overlay.js',
    ]);
    for (const file of files) {
      expect(existsSync(join(publicAssetsDir(), file))).toBe(true);
    }
  });
});
