import type { BotView } from '../bots';
import type { CredentialStatus } from '../oauth';
import type { StreamerStatus } from '../streamers';
import type { DashboardNotice } from '../auth';
import { html, layout, type SafeHtml } from '../common';
import { MESSAGES, type Locale, type Messages } from '../common';

export function landingPage(locale: Locale, state: { loginConfigured: boolean; loggedIn: boolean }): string {
  const t = MESSAGES[locale];
  let action: SafeHtml;
  if (state.loggedIn) {
    action = html`<a class="button" href="/dashboard">${t.toDashboard}</a>`;
  } else if (state.loginConfigured) {
    action = html`<a class="button" href="/auth/twitch" id="login">${t.login}</a>`;
  } else {
    action = html`<p class="notice warning" id="login-not-configured">${t.loginNotConfigured}</p>`;
  }
  return layout(
    locale,
    t.title,
    html`<h1>${t.title}</h1>
      <p>${t.tagline}</p>
      ${action}`,
  );
}

export interface DashboardView {
  displayName: string;
  login: string;
  avatarUrl: string | null;
  status: StreamerStatus;
  overlayUrl: string;
  donationAlerts:
    | { state: 'not-configured' }
    | { state: 'not-connected' }
    | { state: 'connected'; accountId: string; status: CredentialStatus; realtime: RealtimeView };
  bot: BotView;
  /** false: alerts play without their text-to-speech (the engine does not run on this instance). */
  ttsAvailable: boolean;
  notice?: DashboardNotice;
}

/** How donations reach the streamer: the realtime socket, or polling while it is down or off. */
export type RealtimeView = 'connected' | 'connecting' | 'off';

const REALTIME: Record<RealtimeView, keyof Messages> = {
  connected: 'realtimeConnected',
  connecting: 'realtimeConnecting',
  off: 'realtimeOff',
};

const NOTICES: Record<DashboardNotice, keyof Messages> = {
  'da-connected': 'daJustConnected',
  'da-cancelled': 'daCancelled',
  'da-taken': 'daTaken',
  'da-failed': 'daFailed',
};

const BOT_STATUS: Record<string, keyof Messages> = {
  connected: 'botStatusConnected',
  needs_permission: 'botStatusConnected',
  connecting: 'botStatusConnecting',
  starting: 'botStatusConnecting',
  reconnecting: 'botStatusReconnecting',
  needs_reauth: 'botStatusNeedsReauth',
  error: 'botStatusError',
  off: 'botStatusOff',
  disabled: 'botStatusDisabled',
};

function botCard(t: Messages, bot: BotView): SafeHtml {
  const status = t[BOT_STATUS[bot.status] ?? 'botStatusConnecting'];
  const labels = JSON.stringify(
    Object.fromEntries(Object.entries(BOT_STATUS).map(([key, label]) => [key, t[label]])),
  );
  return html`<p id="bot-state" data-status="${bot.status}" data-labels="${labels}">
      <span id="bot-status-text"
        >${status}${bot.status === 'error' && bot.lastError ? html`: ${bot.lastError}` : ''}</span
      >
      ${bot.owner ? html`<small id="bot-owner">(${t.botOwner}: ${bot.owner})</small>` : ''}
    </p>
    <p>${t.botSpeaksAs} <strong id="bot-speaks-as">@${bot.speaksAs}</strong></p>
    ${
      bot.canSpeak
        ? ''
        : html`<p class="notice warning" id="bot-cannot-speak">${t.botCannotSpeak}</p>
            <a class="button" id="bot-grant" href="/auth/twitch?grant=chat">${t.botGrant}</a>`
    }
    <form id="bot-form" data-saved="${t.botSaved}" data-failed="${t.actionFailed}">
      <label class="row"
        ><input type="checkbox" name="enabled" id="bot-enabled" ${bot.enabled ? 'checked' : ''} />
        ${t.botOn}</label
      >
      <label for="bot-template">${t.botTemplate}</label>
      <input type="text" name="template" id="bot-template" maxlength="450" value="${bot.template}" />
      <small>${t.botTemplateHelp}</small>
      <label class="row"
        ><input
          type="checkbox"
          name="thankTestAlerts"
          id="bot-thank-tests"
          ${bot.thankTestAlerts ? 'checked' : ''}
        />
        ${t.botThankTests}</label
      >
      <button class="button" type="submit" id="bot-save">${t.botSave}</button>
    </form>
    <p class="notice" id="bot-form-status" role="status" aria-live="polite" hidden></p>`;
}

function donationAlertsCard(t: Messages, view: DashboardView['donationAlerts']): SafeHtml {
  switch (view.state) {
    case 'not-configured':
      return html`<p id="da-state">${t.daNotConfigured}</p>`;
    case 'not-connected':
      return html`<p id="da-state">${t.daNotConnected}</p>
        <a class="button" href="/auth/donationalerts">${t.connect}</a>`;
    case 'connected':
      return html`${
          view.status === 'needs_reauth'
            ? html`<p class="notice warning" id="da-state">${t.daNeedsReauth}</p>
                <a class="button" href="/auth/donationalerts">${t.reconnect}</a>`
            : html`<p id="da-state">${t.daConnected}: <strong>${view.accountId}</strong></p>
                <p id="realtime-state" data-state="${view.realtime}">${t[REALTIME[view.realtime]]}</p>`
        }
        <form method="post" action="/auth/donationalerts/disconnect">
          <button class="button secondary" type="submit">${t.disconnect}</button>
        </form>`;
  }
}

export function dashboardPage(locale: Locale, view: DashboardView): string {
  const t = MESSAGES[locale];
  const body = html` <div class="row">
      <h1>${t.dashboard}</h1>
      <form method="post" action="/auth/logout">
        <button class="button secondary" type="submit" id="logout">${t.logout}</button>
      </form>
    </div>
    ${view.notice ? html`<p class="notice" id="notice">${t[NOTICES[view.notice]]}</p>` : ''}
    <section class="card" id="twitch">
      <h2>${t.twitchAccount}</h2>
      <div class="row">
        ${view.avatarUrl ? html`<img class="avatar" src="${view.avatarUrl}" alt="" />` : ''}
        <div><strong id="display-name">${view.displayName}</strong><br /><span>@${view.login}</span></div>
      </div>
      ${
        view.status === 'needs_reauth'
          ? html`<p class="notice warning" id="twitch-reauth">${t.twitchNeedsReauth}</p>
              <a class="button" href="/auth/twitch">${t.reconnect}</a>`
          : ''
      }
    </section>
    <section class="card" id="donationalerts">
      <h2>${t.donationAlerts}</h2>
      ${donationAlertsCard(t, view.donationAlerts)}
    </section>
    <section class="card" id="overlay">
      <h2>${t.overlay}</h2>
      <p>${t.overlayHelp}</p>
      <div class="copy">
        <input id="overlay-url" type="text" readonly value="${view.overlayUrl}" />
        <button class="button" type="button" data-copy="overlay-url" data-copied="${t.copied}">
          ${t.copy}
        </button>
      </div>
      ${view.ttsAvailable ? '' : html`<p class="notice warning" id="tts-unavailable">${t.ttsUnavailable}</p>`}
      <p>${t.avatarsHelp}</p>
      <div class="copy">
        <input id="avatars-url" type="text" readonly value="${view.overlayUrl}/avatars" />
        <button class="button" type="button" data-copy="avatars-url" data-copied="${t.copied}">
          ${t.copy}
        </button>
      </div>
      <div class="row actions">
        <button
          class="button secondary"
          type="button"
          id="test-alert"
          data-post="/api/overlay/test-alert"
          data-done="${t.testAlertSent}"
          data-failed="${t.actionFailed}"
        >
          ${t.sendTestAlert}
        </button>
        <button
          class="button danger"
          type="button"
          id="rotate-token"
          data-post="/api/overlay/rotate-token"
          data-confirm="${t.rotateConfirm}"
          data-done="${t.tokenRotated}"
          data-failed="${t.actionFailed}"
        >
          ${t.rotateToken}
        </button>
      </div>
      <p class="notice" id="overlay-status" role="status" aria-live="polite" hidden></p>
    </section>
    <section class="card" id="bot">
      <h2>${t.bot}</h2>
      ${botCard(t, view.bot)}
    </section>`;
  return layout(locale, t.dashboard, body, ['/assets/dashboard.js']);
}
