/**
 * Links in a donor's message: `http(s)://…`, `www.…`, a bare domain with a common top-level domain
 * (`example.com`, `сайт.рф`) and any `word.word/path` (`t.me/x`). Donors use them to advertise on stream. So that
 * "Привет.Как дела" or "т.е." stay, a bare `word.tld` needs a known top-level domain. A link takes the
 * punctuation right after it along. Used for the shown message (moderation's `removeLinks`) and for what TTS
 * says (`skipLinks`).
 */
const LINK_TLDS =
  'com|net|org|info|biz|ru|su|xn--p1ai|рф|ua|by|kz|uz|de|uk|us|eu|io|tv|gg|me|co|ly|to|cc|fm|ai|dev|app|' +
  'link|site|online|shop|store|top|club|pro|xyz|live|stream';
const LINKS = new RegExp(
  [
    String.raw`\b(?:https?|ftp):\/\/\S*`,
    String.raw`\bwww\.\S*`,
    String.raw`(?<![\p{L}\p{N}@.-])(?:[\p{L}\p{N}-]+\.)+(?:${LINK_TLDS})(?![\p{L}\p{N}-])(?::\d+)?(?:\/\S*)?`,
    String.raw`(?<![\p{L}\p{N}@.-])(?:[\p{L}\p{N}-]+\.)+[\p{L}]{2,}\/\S*`,
  ]
    .map((pattern) => `(?:${pattern})[.,;:!?]*`)
    .join('|'),
  'giu',
);

export function containsLink(text: string): boolean {
  LINKS.lastIndex = 0;
  return LINKS.test(text);
}

/** The text without its links, spaces around them closed up. */
export function removeLinks(text: string): string {
  return text
    .replace(LINKS, ' ')
    .replace(/[ \t]{2,}/g, ' ')
    .trim();
}
