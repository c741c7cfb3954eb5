import { DEFAULT_ALERT_SETTINGS, type ModerationSettings } from '../alert-settings';
import { isShown, moderate } from './moderation';

const base: ModerationSettings = { ...DEFAULT_ALERT_SETTINGS.moderation, words: ['редиска', 'spam*'] };
const settings = (overrides: Partial<ModerationSettings>): ModerationSettings => ({ ...base, ...overrides });

describe('moderate', () => {
  it('leaves a clean donation as it is', () => {
    expect(moderate(base, { donorName: 'Вася', message: 'Привет!' })).toEqual({
      status: 'clean',
      donorName: 'Вася',
      message: 'Привет!',
    });
  });

  it('masks banned words in the name and the message (the default action)', () => {
    expect(moderate(base, { donorName: 'spammer', message: 'ты редиска, сука' })).toEqual({
      status: 'masked',
      donorName: '***',
      message: 'ты ***, ***',
    });
  });

  it('hides a message with a banned word, and masks a banned name', () => {
    const hide = settings({ action: 'hide' });
    expect(moderate(hide, { donorName: 'spam', message: 'ты редиска' })).toEqual({
      status: 'hidden',
      donorName: '***',
      message: null,
    });
    expect(moderate(hide, { donorName: 'spam', message: 'привет' })).toEqual({
      status: 'masked',
      donorName: '***',
      message: 'привет',
    });
  });

  it('holds a donation with a banned word for approval, keeping what the donor wrote', () => {
    expect(moderate(settings({ action: 'hold' }), { donorName: null, message: 'редиска' })).toEqual({
      status: 'held',
      donorName: null,
      message: 'редиска',
    });
    expect(isShown('held')).toBe(false);
    expect(isShown('rejected')).toBe(false);
    expect(isShown('approved')).toBe(true);
  });

  it('uses the built-in list only when it is on', () => {
    const message = 'блять';
    expect(moderate(settings({ builtInList: false }), { donorName: null, message }).status).toBe('clean');
    expect(moderate(base, { donorName: null, message }).status).toBe('masked');
  });

  it('removes links from the shown message when asked, before looking for banned words', () => {
    const links = settings({ removeLinks: true });
    expect(moderate(links, { donorName: null, message: 'го на spam.com сейчас' })).toEqual({
      status: 'clean',
      donorName: null,
      message: 'го на сейчас',
    });
    expect(moderate(links, { donorName: null, message: 'https://x.ru' }).message).toBeNull();
    expect(moderate(base, { donorName: null, message: 'https://x.ru' }).message).toBe('https://x.ru');
  });
});
