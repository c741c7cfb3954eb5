/** The placeholders every donation template (alert title and message, TTS, the bot's thank-you) may use. */
export const DONATION_PLACEHOLDERS = ['name', 'amount', 'currency', 'message'] as const;
export type DonationPlaceholder = (typeof DONATION_PLACEHOLDERS)[number];
/** `{name}` of a donor who gave none. */
export const ANONYMOUS_DONOR = 'Аноним';

// eslint-disable-next-line no-control-regex -- control characters never belong in a donation's line
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]+/g;

/** One line of text: control characters and line breaks become spaces, runs of spaces collapse. */
export function singleLine(text: string): string {
  return text.replace(CONTROL_CHARACTERS, ' ').replace(/\s+/g, ' ').trim();
}

/** "100.00" → "100", "99.50" → "99.5": how people write amounts. */
export function shortAmount(amount: string): string {
  return amount.includes('.') ? amount.replace(/\.?0+$/, '') : amount;
}

export interface TemplateRules {
  maxLength: number;
  /** An empty template is allowed (an alert without a message line). */
  allowEmpty?: boolean;
}

/** Problems with a template, one message each; empty when it can be saved. */
export function donationTemplateProblems(template: string, rules: TemplateRules): string[] {
  const problems: string[] = [];
  if (!rules.allowEmpty && template.trim() === '') {
    problems.push('template must not be empty');
  }
  if (template.length > rules.maxLength) {
    problems.push(`template must be at most ${rules.maxLength} characters`);
  }
  const unknown = new Set<string>();
  const stripped = template.replace(/\{([^{}]*)\}/g, (whole, name: string) => {
    if (!(DONATION_PLACEHOLDERS as readonly string[]).includes(name)) {
      unknown.add(whole);
    }
    return '';
  });
  if (unknown.size > 0) {
    problems.push(
      `template has unknown placeholder(s) ${[...unknown].join(', ')}; use ${DONATION_PLACEHOLDERS.map((p) => `{${p}}`).join(' ')}`,
    );
  }
  if (/[{}]/.test(stripped)) {
    problems.push('template has an unmatched { or }');
  }
  if (/[\r\n]/.test(template)) {
    problems.push('template must be one line');
  }
  return problems;
}

/** The template with each placeholder replaced by its value (already made safe for where it goes). */
export function fillPlaceholders(template: string, values: Record<DonationPlaceholder, string>): string {
  return template.replace(
    /\{(name|amount|currency|message)\}/g,
    (_, key: DonationPlaceholder) => values[key],
  );
}
