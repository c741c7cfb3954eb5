import { localeFrom } from './i18n';

describe('localeFrom', () => {
  it.each([
    [undefined, 'ru'],
    ['', 'ru'],
    ['ru-RU,ru;q=0.9,en;q=0.8', 'ru'],
    ['en-US,en;q=0.9', 'en'],
    ['de-DE,en;q=0.5,ru;q=0.4', 'en'],
    ['de-DE,ru;q=0.5,en;q=0.4', 'ru'],
    ['en;q=0,ru;q=0.1', 'ru'],
    ['fr-FR', 'ru'],
  ])('picks %p → %s', (header, locale) => {
    expect(localeFrom(header)).toBe(locale);
  });
});
