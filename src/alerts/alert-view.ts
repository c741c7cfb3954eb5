import { ANONYMOUS_DONOR, fillPlaceholders, shortAmount, singleLine } from '../common';
import { amountInCents, minimumFor, type AlertSettings, type AlertTier } from './alert-settings';
import { speechOf } from './tts/spoken-text';

/** What an alert needs from a donation (its shown name and message, after moderation). */
export interface AlertDonation {
  donorName: string | null;
  amount: string;
  currency: string;
  message: string | null;
  /** Test alerts always show, whatever the minimum: the streamer asked for one. */
  test: boolean;
}

/** How one alert plays, decided when it is put on the overlay log: texts are filled here, drawn as text. */
export interface AlertView {
  title: string;
  /** Empty: no message line. */
  message: string;
  /** Index in the streamer's tiers; null: the base alert. */
  tier: number | null;
  imageId: string | null;
  soundId: string | null;
  /** Of the sound, 0–100. */
  volume: number;
  durationMs: number;
  accentColor: string;
  /** The page fetches `/overlay/:token/tts/:donationId` and speaks it after the sound. */
  tts: boolean;
  /** 0–100. */
  ttsVolume: number;
}

/** The highest tier the donation reaches in its currency (the later one of equal tiers), or null. */
export function tierFor(tiers: readonly AlertTier[], currency: string, amount: string): number | null {
  const cents = amountInCents(amount);
  let best: number | null = null;
  for (const [index, tier] of tiers.entries()) {
    const reached = tier.currency === currency && amountInCents(tier.minAmount) <= cents;
    if (reached && (best === null || amountInCents(tier.minAmount) >= amountInCents(tiers[best].minAmount))) {
      best = index;
    }
  }
  return best;
}

/** The alert for a donation, or null when it stays below the streamer's minimum (stored and counted, not shown). */
export function alertViewOf(settings: AlertSettings, donation: AlertDonation): AlertView | null {
  const cents = amountInCents(donation.amount);
  if (!donation.test && cents < amountInCents(minimumFor(settings.minimums, donation.currency))) {
    return null;
  }
  const index = tierFor(settings.tiers, donation.currency, donation.amount);
  const tier = index === null ? null : settings.tiers[index];
  const values = {
    name: singleLine(donation.donorName ?? '') || ANONYMOUS_DONOR,
    amount: shortAmount(donation.amount),
    currency: donation.currency,
    message: singleLine(donation.message ?? ''),
  };
  const { text, tts } = settings;
  return {
    title: singleLine(fillPlaceholders(tier?.titleTemplate ?? text.titleTemplate, values)),
    message: singleLine(fillPlaceholders(tier?.messageTemplate ?? text.messageTemplate, values)),
    tier: index,
    imageId: tier?.imageId ?? null,
    soundId: tier?.soundId ?? null,
    volume: tier?.volume ?? 0,
    durationMs: (tier?.durationSeconds ?? text.durationSeconds) * 1000,
    accentColor: tier?.color ?? text.accentColor,
    tts: speechOf(tts, donation) !== null,
    ttsVolume: tts.volume,
  };
}
