import { setTimeout as delay } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { addTwitchUser, logInWithTwitch } from '../support/onboarding';
import { startBotsRig, storeDonation, type BotsRig, type BotStreamer } from '../support/bots';
import { maxInAnyWindow } from '../support/donation-alerts';
import { WebClient } from '../support/web-client';
import { waitFor } from '../support/waiting';

/**
 * Twitch's real limit for an account that moderates nowhere: 20 lines per 30 s, every channel together, or the
 * account is blocked for 30 minutes. One shared bot account speaks in four channels spread over two instances
 * (four keys leave each at least one), so only the limiter shared through Redis keeps them under it together. A
 * burst of 50 donations in 5 s is far more than 20 lines: every donor must still be thanked, once, on merged
 * lines. Queues of 4 lines per channel make the second window enough for everything left.
 */

const BOT_LOGIN = 'donations_bot';
const WINDOW_MS = 30_000;
const LIMIT = 20;
const DONATIONS = 50;
const STEP_MS = 100;
const CHANNELS = 4;

/** Donor names on a thank-you line: «Спасибо, D7, …» or the merged «Спасибо за донаты: D7 (100 RUB), D8 (…)». */
function donorsOn(text: string): string[] {
  expect(text).not.toMatch(/и ещё \d+$/);
  return [...text.matchAll(/\bD\d+\b/g)].map(([name]) => name);
}

describe('Chat bots at Twitch’s real message limit, one shared account on two instances (postgres+redis)', () => {
  let rig: BotsRig;
  let streamers: BotStreamer[];

  beforeAll(async () => {
    rig = await startBotsRig('postgres+redis', { TWITCH_BOT_LOGIN: BOT_LOGIN, BOT_QUEUE_MAX: '4' });
    const [first] = [await rig.boot(), await rig.boot()];
    const operator = addTwitchUser(rig.fakes.twitch, { login: BOT_LOGIN, display_name: 'Donations_Bot' });
    await logInWithTwitch(new WebClient(first.publicUrl), rig.fakes.twitch, operator);
    streamers = [];
    for (let i = 0; i < CHANNELS; i += 1) {
      streamers.push(await rig.streamer(rig.instances[i % 2]));
    }
  });

  afterAll(async () => {
    await rig?.close();
  });

  it('never sends more than 20 lines in any 30 s, and thanks each of 50 burst donations exactly once', async () => {
    const owners = streamers.map(({ streamerId }) =>
      rig.instances.findIndex(({ bots }) => bots.ownership.owned().includes(streamerId)),
    );
    expect(new Set(owners).size).toBe(2);
    const started = Date.now();

    for (let i = 1; i <= DONATIONS; i += 1) {
      const streamer = streamers[i % CHANNELS];
      // Stored on either instance: the owner thanks it whatever instance stored it.
      await storeDonation(rig.instances[Math.floor(i / CHANNELS) % 2], streamer.streamerId, 'poll', {
        donorName: `D${i}`,
        message: null,
      });
      await delay(STEP_MS);
    }
    const thanked = () => rig.chat.messages.flatMap(({ text }) => donorsOn(text));
    await waitFor(() => thanked().length >= DONATIONS, {
      what: `all ${DONATIONS} donors thanked`,
      timeoutMs: 2 * WINDOW_MS + 10_000,
    });

    const lines = rig.chat.messages;
    console.log(
      `${DONATIONS} donations in ${(DONATIONS * STEP_MS) / 1000} s: ${lines.length} lines, all thanked after ` +
        `${((Date.now() - started) / 1000).toFixed(1)} s, at most ${maxInAnyWindow(
          lines.map(({ at }) => at),
          WINDOW_MS,
        )} in a 30 s window`,
    );
    expect(lines.every(({ login, delivered }) => login === BOT_LOGIN && delivered)).toBe(true);
    expect(rig.chat.violations).toEqual([]);
    expect(
      maxInAnyWindow(
        lines.map(({ at }) => at),
        WINDOW_MS,
      ),
    ).toBeLessThanOrEqual(LIMIT);
    expect(thanked().sort()).toEqual(Array.from({ length: DONATIONS }, (_, i) => `D${i + 1}`).sort());
    for (const [index, { channel }] of streamers.entries()) {
      const expected = Array.from({ length: DONATIONS }, (_, i) => i + 1).filter(
        (i) => i % CHANNELS === index,
      );
      const inChannel = lines
        .filter((line) => line.channel === channel)
        .flatMap(({ text }) => donorsOn(text));
      expect(inChannel.sort()).toEqual(expected.map((i) => `D${i}`).sort());
    }
    const [{ claims }] = await rig.instances[0].app
      .get(DataSource)
      .query<{ claims: string }[]>('SELECT COUNT(*) AS claims FROM bot_thank_yous');
    expect(Number(claims)).toBe(DONATIONS);
  }, 120_000);
});
