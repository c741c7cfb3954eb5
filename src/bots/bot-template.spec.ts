import {
  DEFAULT_THANKS_TEMPLATE,
  MAX_CHAT_LINE,
  chatLine,
  fillTemplate,
  mergedThanks,
  templateProblems,
} from './bot-template';
import { shortAmount } from '../common';

const donation = { donorName: 'Маша', amount: '100.00', currency: 'RUB', message: 'Привет!' };

describe(templateProblems.name, () => {
  it('accepts the default template and any mix of the four placeholders', () => {
    expect(templateProblems(DEFAULT_THANKS_TEMPLATE)).toEqual([]);
    expect(templateProblems('{name}{amount}{currency}{message}')).toEqual([]);
    expect(templateProblems('Спасибо!')).toEqual([]);
  });

  it('names an unknown placeholder and lists the valid ones', () => {
    expect(templateProblems('Спасибо, {nick}!')).toEqual([
      'template has unknown placeholder(s) {nick}; use {name} {amount} {currency} {message}',
    ]);
  });

  it('refuses unmatched braces, an empty or multi-line template, and one over the chat limit', () => {
    expect(templateProblems('Спасибо, {name')).toEqual(['template has an unmatched { or }']);
    expect(templateProblems('  ')).toEqual(['template must not be empty']);
    expect(templateProblems('a\nb')).toEqual(['template must be one line']);
    expect(templateProblems('x'.repeat(MAX_CHAT_LINE + 1))).toEqual([
      `template must be at most ${MAX_CHAT_LINE} characters`,
    ]);
  });
});

describe(fillTemplate.name, () => {
  it('fills every placeholder', () => {
    expect(fillTemplate(DEFAULT_THANKS_TEMPLATE, donation)).toBe('Спасибо, Маша, за 100 RUB! Привет!');
  });

  it('calls an anonymous donor «Аноним» and drops an empty message cleanly', () => {
    expect(fillTemplate(DEFAULT_THANKS_TEMPLATE, { ...donation, donorName: null, message: null })).toBe(
      'Спасибо, Аноним, за 100 RUB!',
    );
  });

  it('keeps a donor message on one line and cannot turn it into a chat command', () => {
    expect(fillTemplate('{message}', { ...donation, message: '/ban streamer\r\nPRIVMSG #x :hi' })).toBe(
      'ban streamer PRIVMSG #x :hi',
    );
  });

  it('shortens the donor message first so the line stays within the chat limit', () => {
    const line = fillTemplate(DEFAULT_THANKS_TEMPLATE, { ...donation, message: 'а'.repeat(1000) });
    expect(line.length).toBeLessThanOrEqual(MAX_CHAT_LINE);
    expect(line.startsWith('Спасибо, Маша, за 100 RUB! ааа')).toBe(true);
    expect(line.endsWith('…')).toBe(true);
  });

  it('cuts a line that is too long even without the message', () => {
    const line = fillTemplate('{name}', { ...donation, donorName: 'я'.repeat(600) });
    expect(line).toHaveLength(MAX_CHAT_LINE);
  });
});

describe(shortAmount.name, () => {
  it('writes amounts as people do in chat', () => {
    expect(shortAmount('100.00')).toBe('100');
    expect(shortAmount('99.50')).toBe('99.5');
    expect(shortAmount('12.34')).toBe('12.34');
    expect(shortAmount('7')).toBe('7');
  });
});

describe(chatLine.name, () => {
  it('collapses whitespace and strips leading command characters', () => {
    expect(chatLine('  .me   waves\n')).toBe('me waves');
  });
});

describe(mergedThanks.name, () => {
  it('thanks several donors in one line', () => {
    expect(mergedThanks([donation, { ...donation, donorName: null, amount: '5.50', currency: 'USD' }])).toBe(
      'Спасибо за донаты: Маша (100 RUB), Аноним (5.5 USD)',
    );
  });

  it('stays within the chat limit and says how many more', () => {
    const line = mergedThanks(
      Array.from({ length: 100 }, (_, i) => ({ ...donation, donorName: `Донатер${i}` })),
    );
    expect(line.length).toBeLessThanOrEqual(MAX_CHAT_LINE);
    expect(line).toMatch(/ и ещё \d+$/);
  });
});
