/**
 * Finds banned words in a donor's name or message. A pattern is a word (or words) where `*` stands for any
 * letters or digits; it matches whole words only, ignoring case, with ё read as е and Latin look-alike letters
 * inside a Cyrillic word read as Cyrillic (`cука`, `xуй`).
 */
export interface WordFilter {
  /** Ranges [start, end) of banned words in `text`, in order, not overlapping. */
  find(text: string): Array<[number, number]>;
}

const WORD_CHAR = String.raw`[\p{L}\p{N}]`;
const LATIN_LOOKALIKES: Record<string, string> = {
  a: 'а',
  b: 'в',
  c: 'с',
  e: 'е',
  h: 'н',
  k: 'к',
  m: 'м',
  o: 'о',
  p: 'р',
  t: 'т',
  x: 'х',
  y: 'у',
  '3': 'з',
  '0': 'о',
};
const CYRILLIC = /\p{Script=Cyrillic}/u;

/** One character per character of the input, so positions found in it are positions in the input. */
export function normalizeForMatching(text: string): string {
  const lowered = Array.from(text, (char) => {
    const lower = char.toLowerCase();
    return lower.length === char.length ? lower : char;
  })
    .join('')
    .replaceAll('ё', 'е');
  return lowered.replace(/[\p{L}\p{N}]+/gu, (word) =>
    CYRILLIC.test(word) ? Array.from(word, (char) => LATIN_LOOKALIKES[char] ?? char).join('') : word,
  );
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `дур*` → a whole-word expression; null for a pattern with no letters (`*`, `**`), which would match anything. */
export function patternSource(pattern: string): string | null {
  const normalized = normalizeForMatching(pattern.trim());
  if (!/[\p{L}\p{N}]/u.test(normalized)) {
    return null;
  }
  const body = normalized
    .split('*')
    .map((part) =>
      part
        .split(/\s+/)
        .map(escapeRegExp)
        .join(String.raw`\s+`),
    )
    .join(`${WORD_CHAR}*`);
  return `(?<!${WORD_CHAR})${body}(?!${WORD_CHAR})`;
}

export function compileWordFilter(patterns: readonly string[]): WordFilter {
  const sources = [...new Set(patterns.map(patternSource).filter((source) => source !== null))];
  if (sources.length === 0) {
    return { find: () => [] };
  }
  const expression = new RegExp(sources.map((source) => `(?:${source})`).join('|'), 'gu');
  return {
    find(text: string): Array<[number, number]> {
      const ranges: Array<[number, number]> = [];
      for (const match of normalizeForMatching(text).matchAll(expression)) {
        if (match[0].length > 0) {
          ranges.push([match.index, match.index + match[0].length]);
        }
      }
      return ranges;
    },
  };
}

/** The text with each range replaced by `***`. */
export function maskRanges(text: string, ranges: ReadonlyArray<[number, number]>): string {
  let result = '';
  let from = 0;
  for (const [start, end] of ranges) {
    result += `${text.slice(from, start)}***`;
    from = end;
  }
  return result + text.slice(from);
}
