/**
 * A streamer's alert box: how alerts look, which donations get one, the variations by amount, text-to-speech and
 * moderation. Stored whole per streamer (the defaults until the streamer saves), edited through
 * `PUT /api/alerts/settings`, where each top-level section may be sent alone.
 */

export const ALERT_LAYOUTS = ['image-above', 'image-left'] as const;
export type AlertLayout = (typeof ALERT_LAYOUTS)[number];

export const ALERT_ANIMATIONS = ['fade', 'slide-up', 'slide-down', 'zoom', 'bounce', 'none'] as const;
export type AlertAnimation = (typeof ALERT_ANIMATIONS)[number];

export const TTS_VOICES = ['ru', 'en'] as const;
export type TtsVoice = (typeof TTS_VOICES)[number];

/** `mask`: banned words become ***; `hide`: the alert shows without the message; `hold`: it waits for approval. */
export const MODERATION_ACTIONS = ['mask', 'hide', 'hold'] as const;
export type ModerationAction = (typeof MODERATION_ACTIONS)[number];

export const ALERT_DURATION_SECONDS = { min: 2, max: 60 } as const;
/** The issue asks for at least 10; a little room above that. */
export const MAX_TIERS = 20;
export const MAX_MODERATION_WORDS = 500;
export const MAX_TEMPLATE_LENGTH = 300;

export interface AlertText {
  /** Placeholders {name} {amount} {currency} {message}; filled as text, never HTML. */
  titleTemplate: string;
  messageTemplate: string;
  fontSizePx: number;
  textColor: string;
  accentColor: string;
  backgroundColor: string;
  layout: AlertLayout;
  durationSeconds: number;
  enter: AlertAnimation;
  exit: AlertAnimation;
}

/** A minimum per currency (ISO code → amount); a currency without one uses `default`. */
export interface MinimumAmounts {
  default: number;
  byCurrency: Record<string, number>;
}

/** A variation by amount: the highest tier a donation reaches (in the tier's currency) replaces the base alert. */
export interface AlertTier {
  minAmount: number;
  currency: string;
  /** null: the base alert's template. */
  titleTemplate: string | null;
  messageTemplate: string | null;
  /** Ids of the streamer's uploaded media (`POST /api/alerts/media`); null: none. */
  imageId: string | null;
  soundId: string | null;
  /** Of the sound, 0–100. */
  volume: number;
  /** null: the base alert's duration. */
  durationSeconds: number | null;
  /** The accent colour of this tier; null: the base alert's. */
  color: string | null;
}

export interface TtsSettings {
  enabled: boolean;
  /** Below it the alert shows but nothing is spoken. */
  minAmount: MinimumAmounts;
  voice: TtsVoice;
  /** Speaking rate in percent of the voice's normal speed. */
  ratePercent: number;
  /** 0–100. */
  volume: number;
  template: string;
  /** The donor's message is cut to this many characters before it is spoken. */
  maxMessageLength: number;
  /** Links are left out of what is spoken. */
  skipLinks: boolean;
}

export interface ModerationSettings {
  action: ModerationAction;
  /** The built-in Russian and English list, in addition to `words`. */
  builtInList: boolean;
  /** The streamer's own words; `*` matches any letters (`дур*`). */
  words: string[];
  /** Links are removed from the message the alert shows (TTS has its own `skipLinks`). */
  removeLinks: boolean;
}

export interface AlertSettings {
  text: AlertText;
  /** To show an alert at all: below it a donation is stored and counted, but no alert plays. */
  minimums: MinimumAmounts;
  /** In the order the streamer keeps them; the highest reached wins, whatever the order. */
  tiers: AlertTier[];
  tts: TtsSettings;
  moderation: ModerationSettings;
}

export type AlertSettingsSection = keyof AlertSettings;
export const ALERT_SETTINGS_SECTIONS: AlertSettingsSection[] = [
  'text',
  'minimums',
  'tiers',
  'tts',
  'moderation',
];

export const DEFAULT_ALERT_SETTINGS: AlertSettings = {
  text: {
    titleTemplate: '{name} — {amount} {currency}',
    messageTemplate: '{message}',
    fontSizePx: 32,
    textColor: '#ffffff',
    accentColor: '#ffb400',
    backgroundColor: '#000000b3',
    layout: 'image-above',
    durationSeconds: 8,
    enter: 'fade',
    exit: 'fade',
  },
  minimums: { default: 0, byCurrency: {} },
  tiers: [],
  tts: {
    enabled: false,
    minAmount: { default: 0, byCurrency: {} },
    voice: 'ru',
    ratePercent: 100,
    volume: 80,
    template: '{name} пишет: {message}',
    maxMessageLength: 200,
    skipLinks: true,
  },
  moderation: { action: 'mask', builtInList: true, words: [], removeLinks: false },
};

/** What a page needs to draw alerts, sent to it as the `settings` event: no template, no moderation list. */
export type AlertPresentation = Pick<
  AlertText,
  'fontSizePx' | 'textColor' | 'accentColor' | 'backgroundColor' | 'layout' | 'enter' | 'exit'
>;

export function presentationOf({ text }: AlertSettings): AlertPresentation {
  const { fontSizePx, textColor, accentColor, backgroundColor, layout, enter, exit } = text;
  return { fontSizePx, textColor, accentColor, backgroundColor, layout, enter, exit };
}

export type AlertSettingsPatch = {
  [S in AlertSettingsSection]?: AlertSettings[S] extends unknown[]
    ? AlertSettings[S]
    : Partial<AlertSettings[S]>;
};

/**
 * `current` with the sections of `patch` applied: fields sent replace the stored ones, fields left out keep
 * theirs; the tier list, a word list and a per-currency map are replaced whole.
 */
export function applyPatch(current: AlertSettings, patch: AlertSettingsPatch): AlertSettings {
  return {
    text: { ...current.text, ...patch.text },
    minimums: { ...current.minimums, ...patch.minimums },
    tiers: patch.tiers ?? current.tiers,
    tts: {
      ...current.tts,
      ...patch.tts,
      minAmount: { ...current.tts.minAmount, ...patch.tts?.minAmount },
    },
    moderation: { ...current.moderation, ...patch.moderation },
  };
}

/**
 * Stored settings read back over the defaults, section by section, so a field added in a later version gets its
 * default instead of being missing.
 */
export function withDefaults(stored: AlertSettingsPatch): AlertSettings {
  return applyPatch(DEFAULT_ALERT_SETTINGS, stored);
}

/** The minimum for a currency: its own, else the default. */
export function minimumFor(minimums: MinimumAmounts, currency: string): number {
  return minimums.byCurrency[currency] ?? minimums.default;
}

/** "150.00" → 15000: amounts compared in cents, never as floats. */
export function amountInCents(amount: string | number): number {
  return Math.round(Number(amount) * 100);
}
