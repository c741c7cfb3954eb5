import { DEFAULT_ALERT_SETTINGS, type AlertSettings, type AlertTier } from './alert-settings';
import { alertViewOf, tierFor, type AlertDonation } from './alert-view';

const tier = (minAmount: number, overrides: Partial<AlertTier> = {}): AlertTier => ({
  minAmount,
  currency: 'RUB',
  titleTemplate: null,
  messageTemplate: null,
  imageId: null,
  soundId: null,
  volume: 80,
  durationSeconds: null,
  color: null,
  ...overrides,
});

const donation = (amount: string, overrides: Partial<AlertDonation> = {}): AlertDonation => ({
  donorName: 'Маша',
  amount,
  currency: 'RUB',
  message: 'Привет!',
  test: false,
  ...overrides,
});

function settings(overrides: Partial<AlertSettings> = {}): AlertSettings {
  return { ...DEFAULT_ALERT_SETTINGS, ...overrides };
}

describe('tierFor', () => {
  // Kept out of order on purpose: the highest reached wins, not the first or the last listed.
  const tiers = [tier(1000), tier(100), tier(500), tier(100, { currency: 'USD' })];

  it.each([
    ['99.99', null],
    ['100.00', 1],
    ['499.99', 1],
    ['500.00', 2],
    ['999.99', 2],
    ['1000.00', 0],
    ['1000000.00', 0],
  ])('a donation of %s RUB gets tier %p', (amount, expected) => {
    expect(tierFor(tiers, 'RUB', amount)).toBe(expected);
  });

  it("looks only at tiers in the donation's currency", () => {
    expect(tierFor(tiers, 'USD', '150.00')).toBe(3);
    expect(tierFor(tiers, 'EUR', '5000.00')).toBeNull();
  });

  it('takes the later of two equal tiers', () => {
    expect(tierFor([tier(100), tier(100)], 'RUB', '100.00')).toBe(1);
  });

  it('compares in cents, so 0.1 + 0.2 is not below 0.30', () => {
    expect(tierFor([tier(0.3)], 'RUB', String(0.1 + 0.2))).toBe(0);
  });
});

describe('alertViewOf', () => {
  it('fills the base templates as one line each, «Аноним» for an anonymous donor', () => {
    const view = alertViewOf(settings(), donation('150.00', { donorName: null, message: 'a\nb' }));
    expect(view).toMatchObject({
      title: 'Аноним — 150 RUB',
      message: 'a b',
      tier: null,
      imageId: null,
      soundId: null,
      durationMs: 8000,
      accentColor: DEFAULT_ALERT_SETTINGS.text.accentColor,
      tts: false,
    });
  });

  it("uses the reached tier's templates, media, duration and colour, the base for what it leaves out", () => {
    const tiers = [
      tier(500, {
        titleTemplate: 'Огромное спасибо, {name}!',
        imageId: 'image-1',
        soundId: 'sound-1',
        volume: 40,
        durationSeconds: 12,
        color: '#ff0000',
      }),
    ];
    expect(alertViewOf(settings({ tiers }), donation('500.00'))).toMatchObject({
      title: 'Огромное спасибо, Маша!',
      message: 'Привет!',
      tier: 0,
      imageId: 'image-1',
      soundId: 'sound-1',
      volume: 40,
      durationMs: 12_000,
      accentColor: '#ff0000',
    });
  });

  it('shows nothing below the minimum for the currency, or the default minimum, but always shows a test alert', () => {
    const minimums = { default: 10, byCurrency: { RUB: 50 } };
    expect(alertViewOf(settings({ minimums }), donation('49.99'))).toBeNull();
    expect(alertViewOf(settings({ minimums }), donation('50.00'))).not.toBeNull();
    expect(alertViewOf(settings({ minimums }), donation('9.99', { currency: 'USD' }))).toBeNull();
    expect(alertViewOf(settings({ minimums }), donation('10.00', { currency: 'USD' }))).not.toBeNull();
    expect(alertViewOf(settings({ minimums }), donation('1.00', { test: true }))).not.toBeNull();
  });

  it('speaks only when TTS is on, the amount reaches its minimum and the message has something to say', () => {
    const tts = {
      ...DEFAULT_ALERT_SETTINGS.tts,
      enabled: true,
      minAmount: { default: 0, byCurrency: { RUB: 100 } },
    };
    expect(alertViewOf(settings({ tts }), donation('100.00'))?.tts).toBe(true);
    expect(alertViewOf(settings({ tts }), donation('99.00'))?.tts).toBe(false);
    expect(alertViewOf(settings({ tts }), donation('100.00', { message: '  ' }))?.tts).toBe(false);
    expect(alertViewOf(settings({ tts }), donation('100.00', { message: 'https://example.com' }))?.tts).toBe(
      false,
    );
    expect(alertViewOf(settings(), donation('100.00'))?.tts).toBe(false);
  });
});
