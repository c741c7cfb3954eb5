import {
  ANONYMOUS_DONOR,
  donationTemplateProblems,
  fillPlaceholders,
  shortAmount,
  singleLine,
  type IncomingDonation,
} from '../common';

export const DEFAULT_THANKS_TEMPLATE = 'Спасибо, {name}, за {amount} {currency}! {message}';
/** Twitch cuts chat lines at 500 characters; leave room for what Twitch adds. */
export const MAX_CHAT_LINE = 450;

type Donor = Pick<IncomingDonation, 'donorName' | 'amount' | 'currency' | 'message'>;

/** Problems with a thank-you template, one message each; empty when it can be saved. */
export function templateProblems(template: string): string[] {
  return donationTemplateProblems(template, { maxLength: MAX_CHAT_LINE });
}

/** One chat line: no line breaks, runs of spaces collapsed, no leading "/" or "." (chat commands). */
export function chatLine(text: string): string {
  return singleLine(text).replace(/^[/.]+\s*/, '');
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1)).trimEnd()}…`;
}

/**
 * The thank-you line for one donation, at most MAX_CHAT_LINE characters: when it is too long, the donor's
 * message is shortened first, then the line itself.
 */
export function fillTemplate(template: string, donation: Donor): string {
  const values = {
    name: chatLine(donation.donorName ?? '') || ANONYMOUS_DONOR,
    amount: shortAmount(donation.amount),
    currency: donation.currency,
    message: chatLine(donation.message ?? ''),
  };
  const fill = (message: string) => chatLine(fillPlaceholders(template, { ...values, message }));
  const full = fill(values.message);
  if (full.length <= MAX_CHAT_LINE) {
    return full;
  }
  const room = values.message.length - (full.length - MAX_CHAT_LINE);
  return cut(fill(room > 1 ? cut(values.message, room) : ''), MAX_CHAT_LINE);
}

/** One line thanking several donors at once, for when the send queue is full: «Спасибо за донаты: A (100 RUB), …». */
export function mergedThanks(donors: Donor[]): string {
  const prefix = 'Спасибо за донаты: ';
  const names = donors.map(
    (donor) =>
      `${chatLine(donor.donorName ?? '') || ANONYMOUS_DONOR} (${shortAmount(donor.amount)} ${donor.currency})`,
  );
  let line = prefix + names.join(', ');
  for (let shown = names.length - 1; line.length > MAX_CHAT_LINE && shown > 0; shown -= 1) {
    line = `${prefix}${names.slice(0, shown).join(', ')} и ещё ${names.length - shown}`;
  }
  return cut(line, MAX_CHAT_LINE);
}
