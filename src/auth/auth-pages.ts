import { html, layout } from '../common';
import { MESSAGES, type Locale } from '../common';

/** The notices onboarding sends the streamer back to the dashboard with. */
export type DashboardNotice = 'da-connected' | 'da-cancelled' | 'da-taken' | 'da-failed';

export const DASHBOARD_NOTICES: readonly DashboardNotice[] = [
  'da-connected',
  'da-cancelled',
  'da-taken',
  'da-failed',
];

/** A short page explaining what went wrong, with one way forward. */
export function messagePage(
  locale: Locale,
  kind: 'login-expired' | 'login-cancelled' | 'provider-down',
): string {
  const t = MESSAGES[locale];
  const [title, text] = {
    'login-expired': [t.loginExpiredTitle, t.loginExpired],
    'login-cancelled': [t.loginCancelledTitle, t.loginCancelled],
    'provider-down': [t.providerDownTitle, t.providerDown],
  }[kind];
  return layout(
    locale,
    title,
    html`<h1>${title}</h1>
      <p id="message">${text}</p>
      <div class="row">
        <a class="button" href="/auth/twitch" id="retry">${t.tryAgain}</a>
        <a class="button secondary" href="/">${t.home}</a>
      </div>`,
  );
}
