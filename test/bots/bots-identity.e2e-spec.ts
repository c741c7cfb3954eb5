import type { BotView } from '../../src/bots';
import { addTwitchUser, logInWithTwitch, streamerByTwitchId } from '../support/onboarding';
import { sessionCookie } from '../support/overlay';
import { linesIn, startBotsRig, storeDonation, type BotInstance, type BotsRig } from '../support/bots';
import { WebClient } from '../support/web-client';
import { waitFor } from '../support/waiting';

async function cardOf(instance: BotInstance, streamerId: string): Promise<BotView> {
  const res = await fetch(`${instance.origin}/api/bot`, {
    headers: { cookie: sessionCookie(instance, streamerId) },
  });
  return (await res.json()) as BotView;
}

async function statusBecomes(instance: BotInstance, streamerId: string, status: string): Promise<BotView> {
  await waitFor(async () => (await cardOf(instance, streamerId)).status === status, {
    what: `bot ${status}`,
  });
  return cardOf(instance, streamerId);
}

describe('Chat bot identity: permissions, tokens, the shared bot account', () => {
  describe('speaking as the streamer', () => {
    let rig: BotsRig;
    let instance: BotInstance;

    beforeAll(async () => {
      rig = await startBotsRig('sqlite', { TWITCH_SCOPES: 'chat:read' });
      instance = await rig.boot();
    });

    afterAll(async () => {
      await rig?.close();
    });

    it('only reads without chat:edit, offers the grant, and thanks once the streamer granted it', async () => {
      const streamer = await rig.streamer(instance);
      const card = await statusBecomes(instance, streamer.streamerId, 'needs_permission');
      expect(card.canSpeak).toBe(false);
      const dashboard = await streamer.client.follow('/dashboard');
      expect(dashboard.text).toContain('href="/auth/twitch?grant=chat"');

      await storeDonation(instance, streamer.streamerId, 'poll', { donorName: 'Ждущий', message: null });
      await instance.bots.watchdog();
      expect(rig.chat.messages.filter((m) => m.channel === streamer.channel)).toEqual([]);

      const rejoined = rig.chat.nextJoin(streamer.channel);
      await logInWithTwitch(streamer.client, rig.fakes.twitch, streamer.user, {}, '/auth/twitch?grant=chat');
      expect(rig.fakes.twitch.authorizeRequests.at(-1)?.scopes.sort()).toEqual(['chat:edit', 'chat:read']);
      await rejoined;
      const [line] = await linesIn(rig.chat, streamer.channel, 1);
      expect(line.text).toBe('Спасибо, Ждущий, за 100 RUB!');
      expect((await statusBecomes(instance, streamer.streamerId, 'connected')).canSpeak).toBe(true);

      // A plain login later keeps what was granted.
      await logInWithTwitch(streamer.client, rig.fakes.twitch, streamer.user);
      expect(rig.fakes.twitch.authorizeRequests.at(-1)?.scopes.sort()).toEqual(['chat:edit', 'chat:read']);
    });

    it('refreshes a token the chat refuses and connects again with the new one', async () => {
      const streamer = await rig.streamer(instance);
      const refreshesBefore = rig.fakes.twitch.calls.refreshToken;
      rig.fakes.twitch.expireAccessToken(rig.fakes.twitch.tokensOf(streamer.user.id)!.accessToken);

      const rejoined = rig.chat.nextJoin(streamer.channel);
      await instance.bots.changed(streamer.streamerId, true);
      await rejoined;
      expect(rig.fakes.twitch.calls.refreshToken).toBe(refreshesBefore + 1);
      expect(rig.chat.currentMembers(streamer.channel)).toHaveLength(1);
    });

    it('stops with needs_reauth when the refresh is refused too, and the dashboard says so', async () => {
      const streamer = await rig.streamer(instance);
      rig.fakes.twitch.revokeRefreshTokens(streamer.user.id);
      rig.fakes.twitch.expireAccessToken(rig.fakes.twitch.tokensOf(streamer.user.id)!.accessToken);

      const parted = rig.chat.nextPart(streamer.channel);
      await instance.bots.changed(streamer.streamerId, true);
      await parted;
      await waitFor(async () => (await instance.bots.state(streamer.streamerId))?.status === 'needs_reauth', {
        what: 'the bot to stop with needs_reauth',
      });
      expect(rig.chat.currentMembers(streamer.channel)).toEqual([]);
      expect((await streamerByTwitchId(instance.dataSource, streamer.user.id)).status).toBe('needs_reauth');
      const dashboard = await streamer.client.follow('/dashboard');
      expect(dashboard.text).toContain('id="twitch-reauth"');
      // No longer wanted: the next pass lets the bot go, and it does not come back.
      await instance.bots.watchdog();
      expect(instance.bots.ownership.owned()).not.toContain(streamer.streamerId);
    });
  });

  describe('speaking as the shared bot account (TWITCH_BOT_LOGIN)', () => {
    let rig: BotsRig;
    let instance: BotInstance;
    const BOT_LOGIN = 'donations_bot';

    beforeAll(async () => {
      rig = await startBotsRig('sqlite', { TWITCH_BOT_LOGIN: BOT_LOGIN });
      instance = await rig.boot();
    });

    afterAll(async () => {
      await rig?.close();
    });

    it("joins each streamer's channel as the bot account once the operator logged it in, and thanks as it", async () => {
      const operator = addTwitchUser(rig.fakes.twitch, { login: BOT_LOGIN, display_name: 'Donations_Bot' });
      await logInWithTwitch(new WebClient(instance.publicUrl), rig.fakes.twitch, operator);
      const streamer = await rig.streamer(instance);

      await waitFor(
        () => rig.chat.currentMembers(streamer.channel).some(({ login }) => login === BOT_LOGIN),
        {
          what: 'the bot account in the channel',
        },
      );
      const card = await statusBecomes(instance, streamer.streamerId, 'connected');
      expect(card.speaksAs).toBe(BOT_LOGIN);
      await storeDonation(instance, streamer.streamerId, 'poll', { donorName: 'Оля', message: null });
      const [line] = await linesIn(rig.chat, streamer.channel, 1);
      expect(line).toMatchObject({ login: BOT_LOGIN, text: 'Спасибо, Оля, за 100 RUB!' });
    });
  });
});
