import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BotsRepository } from '../../src/bots/bots.repository';
import { launchBrowser, type TestBrowser } from '../support/browser';
import { startBotsRig, type BotInstance, type BotsRig } from '../support/bots';
import { sessionCookie } from '../support/overlay';
import { within } from '../support/waiting';

const SCREENSHOTS = resolve(__dirname, '../../reports/screenshots');

describe('the «Чат-бот» card in a browser', () => {
  let rig: BotsRig;
  let instance: BotInstance;
  let browser: TestBrowser;

  beforeAll(async () => {
    rig = await startBotsRig('sqlite');
    instance = await rig.boot();
    browser = await launchBrowser({}, { locale: 'ru-RU' });
    browser.context.setDefaultTimeout(10_000);
  });

  afterAll(async () => {
    await browser?.close();
    await rig?.close();
  });

  it('shows the bot in chat, saves a template, refuses a bad one with the reason, and switches the bot off', async () => {
    const streamer = await rig.streamer(instance);
    const [name, value] = sessionCookie(instance, streamer.streamerId).split('=');
    await browser.context.addCookies([{ name, value, url: instance.origin }]);
    const page = await browser.newPage();

    await page.goto(`${instance.origin}/dashboard`);
    await page.waitForSelector('#bot-state[data-status="connected"]');
    expect(await page.textContent('#bot-state')).toContain('Бот в чате.');
    expect(await page.textContent('#bot-speaks-as')).toBe(`@${streamer.user.login}`);
    mkdirSync(SCREENSHOTS, { recursive: true });
    await (await page.$('#bot'))!.screenshot({ path: join(SCREENSHOTS, 'bot-card.png') });

    await page.fill('#bot-template', 'Спасибо, {nick}!');
    await page.click('#bot-save');
    await page.waitForSelector('#bot-form-status:not([hidden])');
    expect(await page.textContent('#bot-form-status')).toContain('unknown placeholder(s) {nick}');

    await page.fill('#bot-template', '{name}, спасибо за {amount} {currency}!');
    await page.click('#bot-save');
    await page.waitForSelector('#bot-form-status:text-is("Сохранено.")');
    const repository = instance.app.get(BotsRepository);
    expect((await repository.settings(streamer.streamerId)).template).toBe(
      '{name}, спасибо за {amount} {currency}!',
    );

    const parted = rig.chat.nextPart(streamer.channel);
    await page.uncheck('#bot-enabled');
    await page.click('#bot-save');
    await page.waitForSelector('#bot-state[data-status="disabled"]');
    expect(await page.textContent('#bot-status-text')).toBe('Бот выключен.');
    await within(parted, 5000, 'the bot leaving the channel');
    expect((await repository.settings(streamer.streamerId)).enabled).toBe(false);

    await page.reload();
    expect(await page.isChecked('#bot-enabled')).toBe(false);
    expect(await page.inputValue('#bot-template')).toBe('{name}, спасибо за {amount} {currency}!');
  });
});
