import { containsLink, removeLinks } from './links';

describe('links', () => {
  it.each([
    ['смотри https://example.com/x?y=1 тут', 'смотри тут'],
    ['заходи на www.spam.ru!', 'заходи на'],
    ['t.me/channel и example.com', 'и'],
    ['сайт.рф лучший', 'лучший'],
    ['HTTP://LOUD.COM', ''],
  ])('removes the links of %s', (text, expected) => {
    expect(containsLink(text)).toBe(true);
    expect(removeLinks(text)).toBe(expected);
  });

  it.each(['спасибо за стрим.', 'цена 1.50 руб', 'me@mail', 'version 2.0, ok', 'Hi.How are you'])(
    'leaves %s alone',
    (text) => {
      expect(containsLink(text)).toBe(false);
      expect(removeLinks(text)).toBe(text);
    },
  );
});
