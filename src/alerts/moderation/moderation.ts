import type { ModerationSettings } from '../alert-settings';
import { BUILT_IN_BANNED_WORDS } from './banned-words';
import { removeLinks } from './links';
import { compileWordFilter, maskRanges, type WordFilter } from './word-filter';

/**
 * What moderation made of a donation. `clean`: nothing banned; `masked`: banned words became ***; `hidden`: the
 * message is left out; `held`: it waits for the streamer's approval, then `approved` (shown as written) or
 * `rejected` (shown nowhere).
 */
export const MODERATION_STATUSES = ['clean', 'masked', 'hidden', 'held', 'approved', 'rejected'] as const;
export type ModerationStatus = (typeof MODERATION_STATUSES)[number];

/** A donation as moderation sees it. */
export interface ModeratedText {
  donorName: string | null;
  message: string | null;
}

export interface ModerationVerdict extends ModeratedText {
  status: ModerationStatus;
}

/** Whether a donation with this verdict may be shown, spoken or thanked for. */
export function isShown(status: ModerationStatus): boolean {
  return status !== 'held' && status !== 'rejected';
}

/** Compiled filters, reused while a streamer's settings stay the same. */
const filters = new Map<string, WordFilter>();
const MAX_CACHED_FILTERS = 500;

function filterFor(settings: ModerationSettings): WordFilter {
  const patterns = settings.builtInList ? [...BUILT_IN_BANNED_WORDS, ...settings.words] : settings.words;
  const key = `${settings.builtInList}\u0000${settings.words.join('\u0000')}`;
  let filter = filters.get(key);
  if (!filter) {
    filter = compileWordFilter(patterns);
    if (filters.size >= MAX_CACHED_FILTERS) {
      filters.delete(filters.keys().next().value!);
    }
    filters.set(key, filter);
  }
  return filter;
}

/** The message as shown once the streamer's link setting is applied; null when nothing is left. */
export function shownMessage(message: string | null, settings: ModerationSettings): string | null {
  if (message === null || !settings.removeLinks) {
    return message;
  }
  return removeLinks(message) || null;
}

/** Applies the streamer's moderation settings to a donor's name and message. */
export function moderate(settings: ModerationSettings, donation: ModeratedText): ModerationVerdict {
  const filter = filterFor(settings);
  const message = shownMessage(donation.message, settings);
  const inName = donation.donorName === null ? [] : filter.find(donation.donorName);
  const inMessage = message === null ? [] : filter.find(message);
  if (inName.length === 0 && inMessage.length === 0) {
    return { status: 'clean', donorName: donation.donorName, message };
  }
  const donorName = donation.donorName === null ? null : maskRanges(donation.donorName, inName);
  switch (settings.action) {
    case 'hold':
      return { status: 'held', donorName: donation.donorName, message };
    case 'hide':
      // A name cannot be left out like a message: a banned one is masked.
      return inMessage.length > 0
        ? { status: 'hidden', donorName, message: null }
        : { status: 'masked', donorName, message };
    case 'mask':
      return {
        status: 'masked',
        donorName,
        message: message === null ? null : maskRanges(message, inMessage),
      };
  }
}
