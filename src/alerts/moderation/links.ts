/**
 * Links in a donor's message: `http(s)://…`, `www.…` and bare domains with a path or a common top-level domain
 * (`example.com`, `t.me/x`, `сайт.рф`). Donors use them to advertise on stream.
 */
const TOP_LEVEL_DOMAINS = [
  'com',
  'net',
  'org',
  'ru',
  'su',
  'рф',
  'ua',
  'by',
  'kz',
  'io',
  'gg',
  'tv',
  'me',
  'co',
  'uk',
  'de',
  'info',
  'biz',
  'xyz',
  'online',
  'site',
  'shop',
  'store',
  'app',
  'dev',
  'link',
  'ly',
  'cc',
  'to',
  'fm',
  'pro',
  'club',
  'top',
  'live',
];
const LINK = new RegExp(
  [
    String.raw`\b(?:https?|ftp)://\S+`,
    String.raw`\bwww\.\S+`,
    String.raw`(?<![\p{L}\p{N}@.-])(?:[\p{L}\p{N}-]+\.)+(?:${TOP_LEVEL_DOMAINS.join('|')})(?![\p{L}\p{N}-])(?:[/?#]\S*)?`,
  ].join('|'),
  'giu',
);

export function containsLink(text: string): boolean {
  LINK.lastIndex = 0;
  return LINK.test(text);
}

/** The text without its links, spaces around them closed up. */
export function removeLinks(text: string): string {
  return text
    .replace(LINK, ' ')
    .replace(/[ \t]{2,}/g, ' ')
    .trim();
}
