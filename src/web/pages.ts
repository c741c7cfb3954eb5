import {
  ALERT_ANIMATIONS,
  ALERT_DURATION_SECONDS,
  ALERT_LAYOUTS,
  MAX_TEMPLATE_LENGTH,
  MODERATION_ACTIONS,
  TTS_VOICES,
  type AlertAnimation,
  type AlertLayout,
  type ModerationAction,
  type TtsVoice,
} from '../alerts';
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

const ANIMATION_LABELS: Record<AlertAnimation, keyof Messages> = {
  fade: 'alertsAnimationFade',
  'slide-up': 'alertsAnimationSlideUp',
  'slide-down': 'alertsAnimationSlideDown',
  zoom: 'alertsAnimationZoom',
  bounce: 'alertsAnimationBounce',
  none: 'alertsAnimationNone',
};
const LAYOUT_LABELS: Record<AlertLayout, keyof Messages> = {
  'image-above': 'alertsLayoutImageAbove',
  'image-left': 'alertsLayoutImageLeft',
};
const VOICE_LABELS: Record<TtsVoice, keyof Messages> = { ru: 'alertsTtsVoiceRu', en: 'alertsTtsVoiceEn' };
const ACTION_LABELS: Record<ModerationAction, keyof Messages> = {
  mask: 'alertsModerationMask',
  hide: 'alertsModerationHide',
  hold: 'alertsModerationHold',
};

/**
 * One field of the «Оповещения» form: its label, its control and the place for the server's message about it.
 * `path` is the settings field (`text.durationSeconds`), as the 400 answer names it (tier rows have their own
 * template: the script numbers their paths).
 */
function field(path: string, label: string, control: SafeHtml, help?: string): SafeHtml {
  return html`<label class="field" data-path="${path}">
    <span class="field-label">${label}</span>
    ${control} ${help ? html`<small class="help">${help}</small>` : ''}
    <small class="field-error" role="alert" hidden></small>
  </label>`;
}

function checkbox(path: string, label: string): SafeHtml {
  return html`<label class="field check" data-path="${path}">
    <span><input type="checkbox" name="${path}" /> ${label}</span>
    <small class="field-error" role="alert" hidden></small>
  </label>`;
}

function options<T extends string>(
  t: Messages,
  values: readonly T[],
  labels: Record<T, keyof Messages>,
): SafeHtml {
  return html`${values.map((value) => html`<option value="${value}">${t[labels[value]]}</option>`)}`;
}

function textInput(name: string, maxLength = MAX_TEMPLATE_LENGTH): SafeHtml {
  return html`<input type="text" name="${name}" maxlength="${maxLength}" />`;
}

function numberInput(name: string, step = '1'): SafeHtml {
  return html`<input type="number" name="${name}" step="${step}" />`;
}

/** A tier row, cloned by the script for each tier (fields by `data-name`, numbered into `tiers.<i>.<name>`). */
function tierTemplate(t: Messages): SafeHtml {
  const tierField = (name: string, label: string, control: SafeHtml) =>
    html`<label class="field" data-tier-field="${name}">
      <span class="field-label">${label}</span>
      ${control}
      <small class="field-error" role="alert" hidden></small>
    </label>`;
  return html`<template id="alerts-tier-template">
    <fieldset class="tier">
      <legend class="tier-number"></legend>
      <div class="grid">
        ${tierField('minAmount', t.alertsTierFrom, html`<input type="number" data-name="minAmount" step="0.01" />`)}
        ${tierField('currency', t.alertsCurrency, html`<input type="text" data-name="currency" maxlength="3" />`)}
        ${tierField('titleTemplate', t.alertsTitleTemplate, html`<input type="text" data-name="titleTemplate" maxlength="${MAX_TEMPLATE_LENGTH}" />`)}
        ${tierField('messageTemplate', t.alertsMessageTemplate, html`<input type="text" data-name="messageTemplate" maxlength="${MAX_TEMPLATE_LENGTH}" />`)}
        ${tierField('imageId', t.alertsImage, html`<select data-name="imageId" data-kind="image"></select>`)}
        ${tierField('soundId', t.alertsSound, html`<select data-name="soundId" data-kind="sound"></select>`)}
        ${tierField('volume', t.alertsVolume, html`<input type="number" data-name="volume" step="1" />`)}
        ${tierField('durationSeconds', t.alertsDuration, html`<input type="number" data-name="durationSeconds" step="1" />`)}
        ${tierField('color', t.alertsTierColor, html`<input type="text" data-name="color" maxlength="9" />`)}
      </div>
      <div class="row">
        <button class="button secondary" type="button" data-tier-action="up">${t.alertsMoveUp}</button>
        <button class="button secondary" type="button" data-tier-action="down">${t.alertsMoveDown}</button>
        <button class="button secondary" type="button" data-tier-action="remove">${t.alertsRemove}</button>
        <button class="button" type="button" data-tier-action="try">${t.alertsTryTier}</button>
        <span class="tier-status" role="status" aria-live="polite"></span>
      </div>
    </fieldset>
  </template>`;
}

function currencyTemplate(t: Messages): SafeHtml {
  return html`<template id="alerts-currency-template">
    <div class="row currency-row">
      <input type="text" data-name="currency" maxlength="3" aria-label="${t.alertsCurrency}" />
      <input type="number" data-name="amount" step="0.01" aria-label="${t.alertsAmount}" />
      <button class="button secondary" type="button" data-remove-row>${t.alertsRemove}</button>
    </div>
  </template>`;
}

/**
 * The «Оповещения» card: the alert settings form (filled and saved by /assets/alerts.js through
 * `/api/alerts/settings`), the uploaded media and the «На проверке» list. Every label is rendered here; the
 * script's own texts come from data- attributes.
 */
function alertsCard(t: Messages, ttsAvailable: boolean): SafeHtml {
  const { min, max } = ALERT_DURATION_SECONDS;
  return html`<div
    id="alerts-root"
    data-tts-available="${ttsAvailable ? 'true' : 'false'}"
    data-saved="${t.alertsSaved}"
    data-not-saved="${t.alertsNotSaved}"
    data-failed="${t.actionFailed}"
    data-load-failed="${t.alertsLoadFailed}"
    data-try-sent="${t.alertsTrySent}"
    data-none="${t.alertsNone}"
    data-kind-image="${t.alertsKindImage}"
    data-kind-sound="${t.alertsKindSound}"
    data-delete="${t.alertsDelete}"
    data-approve="${t.alertsApprove}"
    data-reject="${t.alertsReject}"
    data-anonymous="${t.anonymousDonor}"
    data-held-empty="${t.alertsHeldEmpty}"
    data-media-empty="${t.alertsMediaEmpty}"
    data-media-usage="${t.alertsMediaUsage}"
    data-media-unavailable="${t.alertsMediaUnavailable}"
  >
    <p class="notice" id="alerts-loading">${t.alertsLoading}</p>
    <form id="alerts-form" novalidate data-state="loading">
      <fieldset>
        <legend>${t.alertsTextSection}</legend>
        ${field('text.titleTemplate', t.alertsTitleTemplate, textInput('text.titleTemplate'), t.alertsTemplateHelp)}
        ${field('text.messageTemplate', t.alertsMessageTemplate, textInput('text.messageTemplate'), t.alertsTemplateHelp)}
        <div class="grid">
          ${field('text.fontSizePx', t.alertsFontSize, numberInput('text.fontSizePx'))}
          ${field('text.durationSeconds', `${t.alertsDuration} (${min}–${max})`, numberInput('text.durationSeconds'))}
          ${field('text.textColor', t.alertsTextColor, textInput('text.textColor', 9))}
          ${field('text.accentColor', t.alertsAccentColor, textInput('text.accentColor', 9))}
          ${field('text.backgroundColor', t.alertsBackgroundColor, textInput('text.backgroundColor', 9))}
          ${field(
            'text.layout',
            t.alertsLayout,
            html`<select name="text.layout">
              ${options(t, ALERT_LAYOUTS, LAYOUT_LABELS)}
            </select>`,
          )}
          ${field(
            'text.enter',
            t.alertsEnter,
            html`<select name="text.enter">
              ${options(t, ALERT_ANIMATIONS, ANIMATION_LABELS)}
            </select>`,
          )}
          ${field(
            'text.exit',
            t.alertsExit,
            html`<select name="text.exit">
              ${options(t, ALERT_ANIMATIONS, ANIMATION_LABELS)}
            </select>`,
          )}
        </div>
        <small class="help">${t.alertsColorHelp}</small>
      </fieldset>
      <fieldset>
        <legend>${t.alertsMinimums}</legend>
        <p>${t.alertsMinimumsHelp}</p>
        ${field('minimums.default', t.alertsMinimumDefault, numberInput('minimums.default', '0.01'))}
        <div class="field" data-path="minimums.byCurrency">
          <div id="alerts-currencies"></div>
          <small class="field-error" role="alert" hidden></small>
        </div>
        <button class="button secondary" type="button" id="alerts-add-currency">
          ${t.alertsAddCurrency}
        </button>
      </fieldset>
      <fieldset>
        <legend>${t.alertsTiers}</legend>
        <p>${t.alertsTiersHelp}</p>
        <div class="field" data-path="tiers">
          <div id="alerts-tiers"></div>
          <small class="field-error" role="alert" hidden></small>
        </div>
        <button class="button secondary" type="button" id="alerts-add-tier">${t.alertsAddTier}</button>
      </fieldset>
      <fieldset>
        <legend>${t.alertsTts}</legend>
        <p class="notice warning" id="alerts-tts-unavailable" hidden>${t.alertsTtsUnavailable}</p>
        ${checkbox('tts.enabled', t.alertsTtsEnabled)}
        <div class="grid">
          ${field('tts.minAmount.default', t.alertsTtsMinimum, numberInput('tts.minAmount.default', '0.01'))}
          ${field(
            'tts.voice',
            t.alertsTtsVoice,
            html`<select name="tts.voice">
              ${options(t, TTS_VOICES, VOICE_LABELS)}
            </select>`,
          )}
          ${field('tts.ratePercent', t.alertsTtsRate, numberInput('tts.ratePercent'))}
          ${field('tts.volume', t.alertsTtsVolume, numberInput('tts.volume'))}
          ${field('tts.maxMessageLength', t.alertsTtsMaxLength, numberInput('tts.maxMessageLength'))}
        </div>
        ${field('tts.template', t.alertsTtsTemplate, textInput('tts.template'), t.alertsTemplateHelp)}
        ${checkbox('tts.skipLinks', t.alertsTtsSkipLinks)}
      </fieldset>
      <fieldset>
        <legend>${t.alertsModeration}</legend>
        ${field(
          'moderation.action',
          t.alertsModerationAction,
          html`<select name="moderation.action">
            ${options(t, MODERATION_ACTIONS, ACTION_LABELS)}
          </select>`,
        )}
        ${checkbox('moderation.builtInList', t.alertsBuiltInList)}
        ${field('moderation.words', t.alertsWords, html`<textarea name="moderation.words" rows="4"></textarea>`)}
        ${checkbox('moderation.removeLinks', t.alertsRemoveLinks)}
      </fieldset>
      <button class="button" type="submit" id="alerts-save">${t.alertsSave}</button>
      <p class="notice" id="alerts-status" role="status" aria-live="polite" hidden></p>
    </form>
    ${tierTemplate(t)} ${currencyTemplate(t)}
    <h3>${t.alertsMedia}</h3>
    <p>${t.alertsMediaHelp}</p>
    <div class="row">
      <input type="file" id="alerts-media-file" accept="image/*,audio/*" />
      <button class="button secondary" type="button" id="alerts-media-upload">${t.alertsUpload}</button>
    </div>
    <p id="alerts-media-usage"></p>
    <ul id="alerts-media-list" class="plain-list"></ul>
    <p class="notice warning" id="alerts-media-status" role="status" aria-live="polite" hidden></p>
    <h3>${t.alertsHeld}</h3>
    <p>${t.alertsHeldHelp}</p>
    <ul id="alerts-held-list" class="plain-list"></ul>
    <div class="row">
      <button class="button secondary" type="button" id="alerts-held-refresh">${t.alertsRefresh}</button>
      <span id="alerts-held-status" role="status" aria-live="polite"></span>
    </div>
  </div>`;
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
          class="button secondary"
          type="button"
          id="overlay-skip"
          data-post="/api/overlay/skip"
          data-done="${t.alertSkipped}"
          data-failed="${t.actionFailed}"
        >
          ${t.skipAlert}
        </button>
        <button
          class="button secondary"
          type="button"
          id="overlay-pause"
          data-post="/api/overlay/pause"
          data-done="${t.alertsPaused}"
          data-failed="${t.actionFailed}"
        >
          ${t.pauseAlerts}
        </button>
        <button
          class="button secondary"
          type="button"
          id="overlay-resume"
          data-post="/api/overlay/resume"
          data-done="${t.alertsResumed}"
          data-failed="${t.actionFailed}"
        >
          ${t.resumeAlerts}
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
    </section>
    <section class="card" id="alerts">
      <h2>${t.alerts}</h2>
      ${alertsCard(t, view.ttsAvailable)}
    </section>`;
  return layout(locale, t.dashboard, body, ['/assets/dashboard.js', '/assets/alerts.js']);
}
