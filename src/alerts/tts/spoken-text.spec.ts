import { ANONYMOUS_DONOR } from '../../common';
import { DEFAULT_ALERT_SETTINGS, type TtsSettings } from '../alert-settings';
import { MAX_SPOKEN_LENGTH, speechOf, spokenTextOf, type SpokenDonation } from './spoken-text';

const tts = (overrides: Partial<TtsSettings> = {}): TtsSettings => ({
  ...DEFAULT_ALERT_SETTINGS.tts,
  enabled: true,
  ...overrides,
});

const donation = (overrides: Partial<SpokenDonation> = {}): SpokenDonation => ({
  donorName: 'Вася',
  amount: '150.00',
  currency: 'RUB',
  message: 'Привет, стрим!',
  ...overrides,
});

describe(spokenTextOf.name, () => {
  it('fills the default template with the name and the message', () => {
    expect(spokenTextOf(tts(), donation())).toBe('Вася пишет: Привет, стрим!');
  });

  it('fills every placeholder of the streamer template, the amount written short', () => {
    const template = '{name} дал {amount} {currency} и говорит {message}';
    expect(spokenTextOf(tts({ template }), donation({ amount: '99.50' }))).toBe(
      'Вася дал 99.5 RUB и говорит Привет, стрим!',
    );
  });

  it('says the anonymous name for a donor who gave none, or only spaces', () => {
    expect(spokenTextOf(tts(), donation({ donorName: null }))).toBe(
      `${ANONYMOUS_DONOR} пишет: Привет, стрим!`,
    );
    expect(spokenTextOf(tts(), donation({ donorName: ' \n ' }))).toBe(
      `${ANONYMOUS_DONOR} пишет: Привет, стрим!`,
    );
  });

  it('cuts the message to maxMessageLength characters, not the template around it', () => {
    const message = 'абвгд'.repeat(10);
    expect(spokenTextOf(tts({ maxMessageLength: 12 }), donation({ message }))).toBe(
      'Вася пишет: абвгдабвгдаб',
    );
  });

  it('cuts by characters, never inside one written with two UTF-16 units', () => {
    expect(
      spokenTextOf(
        tts({ maxMessageLength: 10, template: '{message}' }),
        donation({ message: '😀'.repeat(20) }),
      ),
    ).toBe('😀'.repeat(10));
  });

  it('collapses line breaks, tabs and runs of spaces', () => {
    expect(spokenTextOf(tts(), donation({ message: '  раз\n\nдва\t\tтри   четыре ' }))).toBe(
      'Вася пишет: раз два три четыре',
    );
  });

  it('leaves links out with skipLinks: http(s), www and bare domains with or without a path', () => {
    const message =
      'смотри https://example.com/a?b=1 и http://x.org, ещё www.twitch.tv/someone, vk.com, ' +
      'youtube.com/watch?v=1 и сайт.рф тоже';
    expect(spokenTextOf(tts({ template: '{message}' }), donation({ message }))).toBe('смотри и ещё и тоже');
  });

  it('keeps what only looks like a link: sentences without a space, decimals, abbreviations', () => {
    const message = 'Привет.Как дела? Версия 1.5, т.е. всё ок.';
    expect(spokenTextOf(tts({ template: '{message}' }), donation({ message }))).toBe(message);
  });

  it('keeps links without skipLinks', () => {
    const message = 'мой канал twitch.tv/someone';
    expect(spokenTextOf(tts({ skipLinks: false, template: '{message}' }), donation({ message }))).toBe(
      message,
    );
  });

  it('cuts after the links are gone, so a link does not eat the length', () => {
    const message = 'https://example.com/very/long/path привет';
    expect(spokenTextOf(tts({ maxMessageLength: 10, template: '{message}' }), donation({ message }))).toBe(
      'привет',
    );
  });

  it('reads markup as nothing: no SSML tags, no espeak-ng [[phonemes]]', () => {
    const message = '<speak><prosody rate="x-slow">медленно</prosody></speak> [[h@\'loU]]';
    expect(spokenTextOf(tts({ template: '{message}' }), donation({ message }))).toBe(
      'speak prosody rate="x-slow" медленно /prosody /speak h@\'loU',
    );
  });

  it('has nothing to say for an empty message, one of spaces, or one that was only a link', () => {
    expect(spokenTextOf(tts(), donation({ message: null }))).toBeNull();
    expect(spokenTextOf(tts(), donation({ message: '  \n ' }))).toBeNull();
    expect(spokenTextOf(tts(), donation({ message: 'https://example.com' }))).toBeNull();
  });

  it('never says more than MAX_SPOKEN_LENGTH characters, whatever the template repeats', () => {
    const template = '{message} '.repeat(20).trim();
    const text = spokenTextOf(
      tts({ template, maxMessageLength: 500 }),
      donation({ message: 'а'.repeat(500) }),
    );
    expect(text).toHaveLength(MAX_SPOKEN_LENGTH);
  });

  it('does not expand placeholders a donor writes', () => {
    expect(spokenTextOf(tts(), donation({ message: '{name} {message}' }))).toBe(
      'Вася пишет: {name} {message}',
    );
  });
});

describe(speechOf.name, () => {
  it('gives the text with the voice and rate of the settings', () => {
    expect(speechOf(tts({ voice: 'en', ratePercent: 120 }), donation({ message: 'Hello' }))).toEqual({
      text: 'Вася пишет: Hello',
      voice: 'en',
      ratePercent: 120,
    });
  });

  it('says nothing with TTS off', () => {
    expect(speechOf(tts({ enabled: false }), donation())).toBeNull();
  });

  it('says nothing below the minimum of the currency, and speaks at it', () => {
    const minAmount = { default: 1000, byCurrency: { RUB: 100 } };
    expect(speechOf(tts({ minAmount }), donation({ amount: '99.99' }))).toBeNull();
    expect(speechOf(tts({ minAmount }), donation({ amount: '100.00' }))).not.toBeNull();
    expect(speechOf(tts({ minAmount }), donation({ amount: '999.00', currency: 'USD' }))).toBeNull();
  });

  it('says nothing when the message leaves nothing to say', () => {
    expect(speechOf(tts(), donation({ message: 'www.example.com' }))).toBeNull();
  });
});
