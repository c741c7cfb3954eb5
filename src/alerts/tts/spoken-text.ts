import { ANONYMOUS_DONOR, fillPlaceholders, shortAmount, singleLine } from '../../common';
import { amountInCents, minimumFor, type TtsSettings, type TtsVoice } from '../alert-settings';
import { removeLinks } from '../moderation/links';

/**
 * What is read out at most, whatever the template: a template may repeat `{message}`, and a clip longer than
 * this would outlast any alert.
 */
export const MAX_SPOKEN_LENGTH = 1000;

/** What speech needs from a donation. `message` is the one to read out: after moderation, once there is one. */
export interface SpokenDonation {
  donorName: string | null;
  amount: string;
  currency: string;
  message: string | null;
}

/** One clip to render: the same three always give the same audio. */
export interface Speech {
  text: string;
  voice: TtsVoice;
  ratePercent: number;
}

/**
 * espeak-ng reads plain text (it runs without `-m`, so no SSML), but it still takes `[[…]]` as phonemes; angle
 * brackets go too, so nothing a donor writes is ever read as markup by this or a later engine.
 */
const MARKUP = /[<>[\]]/g;

function cut(text: string, length: number): string {
  const characters = Array.from(text);
  return characters.length <= length ? text : characters.slice(0, length).join('').trimEnd();
}

/** Text as it is spoken: one line, no markup. */
function speakable(text: string): string {
  return singleLine(text.replace(MARKUP, ' '));
}

/**
 * The streamer's TTS template filled for the donation: its message without links (with `skipLinks`) cut to
 * `maxMessageLength` characters. null when the message leaves nothing to say.
 */
export function spokenTextOf(tts: TtsSettings, donation: SpokenDonation): string | null {
  const raw = donation.message ?? '';
  const message = cut(speakable(tts.skipLinks ? removeLinks(raw) : raw), tts.maxMessageLength);
  if (message === '') {
    return null;
  }
  const text = fillPlaceholders(tts.template, {
    name: speakable(donation.donorName ?? '') || ANONYMOUS_DONOR,
    amount: shortAmount(donation.amount),
    currency: speakable(donation.currency),
    message,
  });
  return cut(speakable(text), MAX_SPOKEN_LENGTH) || null;
}

/** What the donation says with these settings, or null: TTS off, below its minimum, or nothing to say. */
export function speechOf(tts: TtsSettings, donation: SpokenDonation): Speech | null {
  if (!tts.enabled) {
    return null;
  }
  if (amountInCents(donation.amount) < amountInCents(minimumFor(tts.minAmount, donation.currency))) {
    return null;
  }
  const text = spokenTextOf(tts, donation);
  return text === null ? null : { text, voice: tts.voice, ratePercent: tts.ratePercent };
}
