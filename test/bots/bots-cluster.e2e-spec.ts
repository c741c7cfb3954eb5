import {
  startBotsRig,
  storeDonation,
  type BotInstance,
  type BotsRig,
  type BotStreamer,
} from '../support/bots';
import { waitFor, within } from '../support/waiting';

/**
 * Two and three in-process instances on one PostgreSQL schema and one Redis prefix, with the watchdog passes
 * driven by the test (the rig's `pass()`), so every claim and handover is a step the test took. The fake chat
 * records every JOIN with the number of connections joined to the channel at that moment, which is what
 * "one bot per channel at every moment" is checked against.
 */

const STREAMERS = 6;
/** A handover is a watchdog pass, a connect, PASS/NICK and a JOIN on one machine: well under this. */
const HANDOVER_TIMEOUT_MS = 5000;

describe.each([2, 3])('Chat bots on %i instances (postgres+redis)', (count) => {
  let rig: BotsRig;
  let streamers: BotStreamer[];

  beforeAll(async () => {
    rig = await startBotsRig('postgres+redis');
    for (let i = 0; i < count; i += 1) {
      await rig.boot();
    }
    streamers = [];
    // Logged in through every instance in turn: where a streamer logs in does not decide where the bot runs.
    for (let i = 0; i < STREAMERS; i += 1) {
      streamers.push(await rig.streamer(rig.instances[i % count]));
    }
  });

  afterAll(async () => {
    await rig?.close();
  });

  function ownerOf(streamerId: string): BotInstance {
    const owners = rig.instances.filter(({ bots }) => bots.ownership.owned().includes(streamerId));
    expect(owners).toHaveLength(1);
    return owners[0];
  }

  function linesWith(channel: string, donor: string): string[] {
    return rig.chat.messages
      .filter((message) => message.channel === channel && message.text.includes(donor))
      .map(({ text }) => text);
  }

  function expectOneConnectionPerChannelThroughout(): void {
    for (const { channel } of streamers) {
      expect({ channel, max: rig.chat.maxConcurrentJoins(channel) }).toEqual({ channel, max: 1 });
    }
  }

  it('runs every bot on exactly one instance, in fair shares (±1) that a few more watchdog passes do not move', async () => {
    const before = rig.instances.map(({ bots }) => bots.ownership.owned().sort());
    for (let i = 0; i < 3; i += 1) {
      await rig.pass();
    }
    const after = rig.instances.map(({ bots }) => bots.ownership.owned().sort());

    const even = STREAMERS / count;
    const shares = after.map((owned) => owned.length);
    console.log(`${count} instances: shares ${shares.join('/')}`);
    for (const share of shares) {
      expect(share).toBeGreaterThanOrEqual(even - 1);
      expect(share).toBeLessThanOrEqual(even + 1);
    }
    expect(after).toEqual(before);
    expect(after.flat().sort()).toEqual(streamers.map(({ streamerId }) => streamerId).sort());
    for (const { streamerId, channel } of streamers) {
      const state = await rig.instances[0].bots.state(streamerId);
      expect(state).toMatchObject({ owner: ownerOf(streamerId).config.app.instanceId, status: 'connected' });
      expect(rig.chat.currentMembers(channel)).toHaveLength(1);
    }
    expectOneConnectionPerChannelThroughout();
  });

  it("thanks once, from the owner's connection, a donation stored on an instance that does not own the bot", async () => {
    const streamer = streamers[1];
    const owner = ownerOf(streamer.streamerId);
    const others = rig.instances.filter((instance) => instance !== owner);
    const [member] = rig.chat.currentMembers(streamer.channel);

    const donation = await storeDonation(others[0], streamer.streamerId, 'webhook', {
      donorName: 'Чужой',
      message: null,
    });
    await waitFor(() => linesWith(streamer.channel, 'Чужой').length > 0, { what: 'the thank-you' });
    // Stored after it on yet another instance and thanked after it: nothing about the first is still on its way.
    await storeDonation(others.at(-1)!, streamer.streamerId, 'poll', { donorName: 'Следом', message: null });
    await waitFor(() => linesWith(streamer.channel, 'Следом').length > 0, { what: 'the next thank-you' });

    expect(linesWith(streamer.channel, 'Чужой')).toEqual(['Спасибо, Чужой, за 100 RUB!']);
    const sent = rig.chat.messages.filter((message) => message.channel === streamer.channel);
    expect(sent.map(({ connectionId }) => connectionId)).toEqual(sent.map(() => member.connectionId));
    const state = await owner.bots.state(streamer.streamerId);
    const [claim] = await owner.dataSource.query<Array<{ epoch: string }>>(
      'SELECT epoch FROM bot_thank_yous WHERE donation_id = $1',
      [donation!.id],
    );
    expect(Number(claim.epoch)).toBe(state?.epoch);
    expectOneConnectionPerChannelThroughout();
  });

  it('graceful stop of an owner: its leases are released, the next watchdog pass of another instance joins each channel, and donations stored during the handover are thanked once after it', async () => {
    const owner = ownerOf(streamers[0].streamerId);
    const orphans = streamers.filter(({ streamerId }) => owner.bots.ownership.owned().includes(streamerId));
    const survivors = rig.instances.filter((instance) => instance !== owner);
    const oldConnections = new Set(
      orphans.flatMap(({ channel }) =>
        rig.chat.currentMembers(channel).map(({ connectionId }) => connectionId),
      ),
    );
    const target = orphans[0];

    // One stored while the owner is shutting down, one once it is gone and before anybody took over.
    const [, whileStopping] = await Promise.all([
      owner.close(),
      storeDonation(survivors[0], target.streamerId, 'webhook', { donorName: 'Остановка', message: null }),
    ]);
    rig.instances.splice(rig.instances.indexOf(owner), 1);
    const stoppedAt = Date.now();
    await waitFor(() => orphans.every(({ channel }) => rig.chat.currentMembers(channel).length === 0), {
      what: "the stopped instance's connections closed",
    });
    const inTheGap = await storeDonation(survivors[0], target.streamerId, 'poll', {
      donorName: 'Передача',
      message: null,
    });
    for (const { streamerId } of orphans) {
      expect(await survivors[0].bots.state(streamerId)).toMatchObject({
        owner: null,
        status: 'released',
        previousOwner: owner.config.app.instanceId,
      });
    }
    const rejoined = orphans.map(({ channel }) => rig.chat.nextJoin(channel));

    await rig.pass();
    const joins = await within(Promise.all(rejoined), HANDOVER_TIMEOUT_MS, 'the channels joined again');
    const handoverMs = Math.max(...joins.map(({ at }) => at)) - stoppedAt;
    await waitFor(
      () =>
        linesWith(target.channel, 'Остановка').length > 0 && linesWith(target.channel, 'Передача').length > 0,
      { what: 'the donations of the handover thanked' },
    );
    await storeDonation(survivors[0], target.streamerId, 'poll', { donorName: 'Потом', message: null });
    await waitFor(() => linesWith(target.channel, 'Потом').length > 0, { what: 'the thank-you after them' });

    console.log(`${count} instances: graceful handover of ${orphans.length} bots in ${handoverMs} ms`);
    for (const join of joins) {
      expect(oldConnections.has(join.connectionId)).toBe(false);
    }
    expect(survivors.flatMap(({ bots }) => bots.ownership.owned()).sort()).toEqual(
      streamers.map(({ streamerId }) => streamerId).sort(),
    );
    expect(whileStopping).toBeDefined();
    expect(inTheGap).toBeDefined();
    expect(linesWith(target.channel, 'Остановка')).toEqual(['Спасибо, Остановка, за 100 RUB!']);
    expect(linesWith(target.channel, 'Передача')).toEqual(['Спасибо, Передача, за 100 RUB!']);
    expect(linesWith(target.channel, 'Потом')).toEqual(['Спасибо, Потом, за 100 RUB!']);
    expectOneConnectionPerChannelThroughout();
  });
});
