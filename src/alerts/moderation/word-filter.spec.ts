import { BUILT_IN_BANNED_WORDS } from './banned-words';
import { compileWordFilter, maskRanges, normalizeForMatching, patternSource } from './word-filter';

function masked(patterns: readonly string[], text: string): string {
  return maskRanges(text, compileWordFilter(patterns).find(text));
}

describe('word filter', () => {
  it('matches whole words only, ignoring case', () => {
    expect(masked(['дурак'], 'Ты ДУРАК, дураки и предурак')).toBe('Ты ***, дураки и предурак');
    expect(masked(['spam'], 'SPAM spammer')).toBe('*** spammer');
  });

  it('reads * as any letters, at either end', () => {
    expect(masked(['дур*'], 'дурак, дурацкий, придурок')).toBe('***, ***, придурок');
    expect(masked(['*дур*'], 'придурок')).toBe('***');
  });

  it('reads ё as е and Latin look-alikes inside a Cyrillic word as Cyrillic', () => {
    expect(masked(['ёжик'], 'ежик')).toBe('***');
    expect(masked(['сука'], 'ты cyка')).toBe('ты ***');
    expect(normalizeForMatching('Xуй and hello')).toBe('хуй and hello');
  });

  it('keeps positions, so masking works on the original text', () => {
    expect(normalizeForMatching('ÀБВ ё')).toHaveLength('ÀБВ ё'.length);
    expect(masked(['bad'], 'İ bad İ')).toBe('İ *** İ');
  });

  it('matches a phrase across any spaces', () => {
    expect(masked(['иди лесом'], 'иди   лесом, друг')).toBe('***, друг');
  });

  it('ignores patterns without letters, which would match everything', () => {
    expect(patternSource('*')).toBeNull();
    expect(patternSource(' ** ')).toBeNull();
    expect(masked(['*', ''], 'hello')).toBe('hello');
  });

  it('treats regular-expression characters in a pattern as text', () => {
    expect(masked(['a.b', '(x)'], 'a.b axb')).toBe('*** axb');
  });

  describe('the built-in list', () => {
    const builtIn = (text: string) => masked(BUILT_IN_BANNED_WORDS, text);

    it.each([
      ['ну ты сука', 'ну ты ***'],
      ['Пиздец, заебал!', '***, ***!'],
      ['нахуй иди', '*** иди'],
      ['ёбаный стыд', 'ёбаный стыд'.replace('ёбаный', '***')],
      ['what the fuck, motherfucker', 'what the ***, ***'],
      ['bullshit', '***'],
    ])('masks %s', (text, expected) => {
      expect(builtIn(text)).toBe(expected);
    });

    it.each([
      'страхуем груз',
      'употреблять с умом',
      'хлебать суп',
      'оскорблять не надо',
      'Сукно и сукин кот',
      'shitake mushrooms',
      'Скунс, психолог, assassin',
      'классный стрим, спасибо!',
    ])('leaves ordinary words alone: %s', (text) => {
      expect(builtIn(text)).toBe(text);
    });
  });
});
