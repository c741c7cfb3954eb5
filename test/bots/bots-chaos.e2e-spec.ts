import { Redis } from 'ioredis';
import { setTimeout as delay } from 'node:timers/promises';
import type { DataSource } from 'typeorm';
import type { Environment } from '../../config';
import type { KeyState } from '../../libs/ownership';
import { FakeTwitchChat, type ChatJoin, type ChatMessage } from '../fakes/fake-twitch-chat';
import { AppProcesses, type AppProcess } from '../support/app-processes';
import { botsEnv, donorsThankedIn, seedBotStreamers, type SeededBotStreamer } from '../support/bots';
import { openDataSource } from '../support/databases';
import { createBackingServices, type BackingServices } from '../support/deployments';
import { startOnboardingFakes, type OnboardingFakes } from '../support/onboarding';
import { TEST_REDIS_URL } from '../support/services';
import { waitFor, within } from '../support/waiting';
import { daDonation, daSignatureHeaders, deliveryBody, WEBHOOK_URL } from '../webhooks/support';

/**
 * Three real processes of the compiled app on one PostgreSQL schema and one Redis prefix, their bots in the fake
 * Twitch chat in this process, donations arriving as the outside world sends them (signed webhooks to any
 * instance). The cluster timings are scaled down (a lease of 800 ms instead of 30 s) so a crash, a pause and a
 * takeover take seconds. Everything is watched from outside: the shared ownership state in Redis, the
 * bot_thank_yous rows, and the fake chat, which records every JOIN with the connections joined to the channel
 * at that moment and every line with the connection that sent it.
 */

const INSTANCE_IDS = ['bots-a', 'bots-b', 'bots-c'];
const STREAMERS = 6;
/** Donations for one channel in the gap beyond the first: more than the default send queue (10) holds. */
const GAP_BURST = 14;
const CLUSTER_RENEW_MS = 200;
const CLUSTER_LEASE_MS = 800;
const WATCHDOG_INTERVAL_MS = 300;
/**
 * What a loaded 2-core CI machine may add to a takeover on top of the lease and one watchdog period: three
 * Node processes, PostgreSQL, Redis and this test process share the cores, and the takeover makes its own
 * round trips (lock, identity and token from the database, the JOIN budget in Redis, connect, login, JOIN).
 */
const CI_SLACK_MS = 1000;
/** A dead or paused owner's lease runs out, then the next watchdog pass of a survivor claims its bots. */
const TAKEOVER_BOUND_MS = CLUSTER_LEASE_MS + WATCHDOG_INTERVAL_MS + CI_SLACK_MS;
/** A process woken by SIGCONT finds every lease it held overdue at once, so it closes their connections at once. */
const STALE_CLOSE_BOUND_MS = CI_SLACK_MS;
/** Loading the compiled app took up to 40 s per process on a 2-core machine busy with other builds. */
const BOOT_TIMEOUT_MS = 90_000;
/** From every instance live to every bot connected in fair shares: a few watchdog periods, and churn. */
const SETTLE_TIMEOUT_MS = 30_000;
/** A thank-you is a bus message, a claim and a line: well under this once the bot is connected. */
const THANKS_TIMEOUT_MS = 10_000;
const TEST_TIMEOUT_MS = BOOT_TIMEOUT_MS + 3 * SETTLE_TIMEOUT_MS;
const WEBHOOK_SECRET = 'bots-chaos-webhook-secret';

/** A donation sent to the cluster, named by a donor nobody else has. */
interface SentDonation {
  streamer: SeededBotStreamer;
  donor: string;
  externalId: string;
  /** When the instance answered that it stored it. */
  storedAt: number;
}

/** The cluster at rest: who owns each bot (Redis) and the one connection joined to each channel (the fake). */
interface Settled {
  owners: Map<string, string[]>;
  states: Map<string, KeyState>;
  /** Channel → the connection id of its bot. */
  members: Map<string, number>;
}

describe('Chat bots on three processes (postgres+redis) through crashes and pauses', () => {
  let services: BackingServices;
  let dataSource: DataSource;
  let fakes: OnboardingFakes;
  let chat: FakeTwitchChat;
  let processes: AppProcesses;
  let redis: Redis;
  let donorNumber = 0;

  beforeEach(async () => {
    processes = new AppProcesses();
    services = await createBackingServices('postgres+redis');
    // Migrated here, once, so three instances starting together find nothing to migrate.
    dataSource = await openDataSource(services.database);
    fakes = await startOnboardingFakes();
    chat = await FakeTwitchChat.start({ accounts: fakes.twitch });
    redis = new Redis(TEST_REDIS_URL);
  });

  afterEach(async () => {
    await processes?.close();
    redis?.disconnect();
    await chat?.close();
    await fakes?.close();
    await dataSource?.destroy();
    await services?.close();
  });

  function clusterEnv(): Environment {
    return {
      ...services.env,
      ...fakes.env,
      ...botsEnv(chat),
      CLUSTER_RENEW_MS: String(CLUSTER_RENEW_MS),
      CLUSTER_LEASE_MS: String(CLUSTER_LEASE_MS),
      BOTS_WATCHDOG_INTERVAL_MS: String(WATCHDOG_INTERVAL_MS),
      // The fake answers every PING at once; a loaded machine reading a PONG late must not make a healthy bot
      // reconnect, so that every connection change here is one the test caused.
      BOT_PING_MS: '10000',
      BOT_PONG_TIMEOUT_MS: '5000',
      DA_WEBHOOK_SECRET: WEBHOOK_SECRET,
      WEBHOOK_RATE_LIMIT: '10000',
      // Nobody here has DonationAlerts connected: donations come by webhook only.
      DA_REALTIME_ENABLED: 'false',
      SCHEDULER_ENABLED: 'false',
    };
  }

  async function startCluster(): Promise<{ streamers: SeededBotStreamer[]; instances: AppProcess[] }> {
    const streamers = await seedBotStreamers(dataSource, fakes.twitch, STREAMERS);
    const instances = await processes.start(INSTANCE_IDS, clusterEnv(), { timeoutMs: BOOT_TIMEOUT_MS });
    return { streamers, instances };
  }

  /** A signed DonationAlerts-style webhook delivery to `via`, as a relay sends one; resolves once it is stored. */
  async function donate(via: AppProcess, streamer: SeededBotStreamer, tag: string): Promise<SentDonation> {
    donorNumber += 1;
    const donor = `${tag}_${donorNumber}`;
    const donation = daDonation({ username: donor, message: '' });
    const body = deliveryBody(streamer.streamerId, donation);
    const response = await fetch(`${via.baseUrl}${WEBHOOK_URL}`, {
      method: 'POST',
      headers: daSignatureHeaders(WEBHOOK_SECRET, body),
      body,
    });
    const answer = (await response.json()) as { stored?: number };
    if (response.status !== 200 || answer.stored !== 1) {
      throw new Error(`${via.id} answered the webhook with ${response.status} ${JSON.stringify(answer)}`);
    }
    return { streamer, donor, externalId: String(donation.id), storedAt: Date.now() };
  }

  /** Every line sent in the donation's channel that names its donor (merged «Спасибо за донаты: …» lines too). */
  function thanksFor({ streamer, donor }: SentDonation): ChatMessage[] {
    return chat.messages.filter(
      (message) => message.channel === streamer.channel && donorsThankedIn(message.text).includes(donor),
    );
  }

  async function thanked(donations: SentDonation[]): Promise<void> {
    await waitFor(() => donations.every((donation) => thanksFor(donation).length > 0), {
      timeoutMs: THANKS_TIMEOUT_MS,
      what: `thank-yous for ${donations.map(({ donor }) => donor).join(', ')}`,
    });
  }

  /** The epochs of the donation's bot_thank_yous rows: the lease of the bot that claimed it. */
  async function claimEpochs({ externalId }: SentDonation): Promise<number[]> {
    const rows = await dataSource.query<Array<{ epoch: string }>>(
      `SELECT t.epoch FROM bot_thank_yous t JOIN donations d ON d.id = t.donation_id
       WHERE d.external_id = $1 AND d.provider = 'donationalerts'`,
      [externalId],
    );
    return rows.map(({ epoch }) => Number(epoch));
  }

  async function claimCount(): Promise<number> {
    const [{ count }] = await dataSource.query<Array<{ count: string }>>(
      'SELECT COUNT(*) AS count FROM bot_thank_yous',
    );
    return Number(count);
  }

  /**
   * Exactly one line names the donation, delivered, from connection `from` when given; exactly one claim row,
   * with epoch `epoch` when given.
   */
  async function expectThankedOnce(
    donation: SentDonation,
    { from, epoch }: { from?: number; epoch?: number } = {},
  ): Promise<void> {
    const lines = thanksFor(donation).map(({ connectionId, delivered }) => ({ connectionId, delivered }));
    expect({ donor: donation.donor, lines }).toEqual({
      donor: donation.donor,
      lines: [{ connectionId: from ?? expect.any(Number), delivered: true }],
    });
    expect({ donor: donation.donor, epochs: await claimEpochs(donation) }).toEqual({
      donor: donation.donor,
      epochs: [epoch ?? expect.any(Number)],
    });
  }

  /** The shared ownership state every instance writes (fenced by epoch). */
  async function ownershipStates(): Promise<Map<string, KeyState>> {
    const fields = await redis.hgetall(`${services.env.REDIS_KEY_PREFIX}ownership:bots:states`);
    return new Map(
      Object.values(fields).map((json) => {
        const state = JSON.parse(json) as KeyState;
        return [state.key, state];
      }),
    );
  }

  /**
   * Waits until the `live` instances run every bot, connected, in shares within ±1 of the even one, and each
   * channel has exactly one bot connection joined (connections in `stale` aside: a stopped process's, which only
   * it could close). Fails with the last thing that was not so.
   */
  async function settled(
    live: AppProcess[],
    streamers: SeededBotStreamer[],
    stale: ReadonlySet<number> = new Set(),
  ): Promise<Settled> {
    const share = Math.ceil(STREAMERS / live.length);
    const liveIds = new Set(live.map(({ id }) => id));
    const deadline = Date.now() + SETTLE_TIMEOUT_MS;
    for (;;) {
      const states = await ownershipStates();
      const owners = new Map<string, string[]>();
      for (const { key, owner } of states.values()) {
        if (owner) {
          owners.set(owner, [...(owners.get(owner) ?? []), key].sort());
        }
      }
      const counts = live.map(({ id }) => owners.get(id)?.length ?? 0);
      const notRunning = streamers.filter(({ streamerId }) => {
        const state = states.get(streamerId);
        return !state?.owner || !liveIds.has(state.owner) || state.status !== 'connected';
      });
      const joined = streamers.map(({ channel }) =>
        chat.currentMembers(channel).filter(({ connectionId }) => !stale.has(connectionId)),
      );
      const missing = [
        notRunning.length > 0 ? `${notRunning.length} not connected on a live instance` : '',
        joined.some((members) => members.length !== 1)
          ? `connections ${joined.map((members) => members.length).join('/')}`
          : '',
        counts.some((count) => Math.abs(count - share) > 1) ? `shares ${counts.join('/')}` : '',
      ]
        .filter(Boolean)
        .join(', ');
      if (missing === '') {
        const members = new Map(streamers.map(({ channel }, i) => [channel, joined[i][0].connectionId]));
        return { owners, states, members };
      }
      if (Date.now() > deadline) {
        throw new Error(`The cluster did not settle within ${SETTLE_TIMEOUT_MS} ms: ${missing}`);
      }
      await delay(100);
    }
  }

  /** The instance running the most bots (the first of them on a tie). */
  function busiest(instances: AppProcess[], owners: Map<string, string[]>): AppProcess {
    return instances.reduce((most, instance) =>
      (owners.get(instance.id)?.length ?? 0) > (owners.get(most.id)?.length ?? 0) ? instance : most,
    );
  }

  /** The next JOIN of each channel, resolved with it. */
  function nextJoins(streamers: SeededBotStreamer[]): Promise<ChatJoin[]> {
    return Promise.all(streamers.map(({ channel }) => chat.nextJoin(channel)));
  }

  function expectOneConnectionPerChannel(streamers: SeededBotStreamer[]): void {
    for (const { channel } of streamers) {
      expect({ channel, max: chat.maxConcurrentJoins(channel) }).toEqual({ channel, max: 1 });
    }
  }

  it(
    'SIGKILL of an owner: survivors join every channel it ran within the lease and a watchdog period, one connection per channel throughout, and the donations made in the gap, more than a send queue holds, are each thanked once after the takeover',
    () =>
      processes.printOutputOnFailure(async () => {
        const startedAt = Date.now();
        const { streamers, instances } = await startCluster();
        const { owners } = await settled(instances, streamers);
        const settledAt = Date.now();
        const victim = busiest(instances, owners);
        const survivors = instances.filter((instance) => instance !== victim);
        const orphans = streamers.filter(({ streamerId }) => owners.get(victim.id)!.includes(streamerId));
        const rejoined = nextJoins(orphans);

        const killedAt = Date.now();
        victim.process.signal('SIGKILL');
        await victim.process.exited;
        // The kernel closed the dead process's connections; its leases still run, so nobody joined again yet.
        await waitFor(() => orphans.every(({ channel }) => chat.currentMembers(channel).length === 0), {
          what: "the fake seeing the dead process's connections close",
        });
        const inTheGap = await donate(survivors[0], orphans[0], 'Gap');
        // More than a send queue holds: the catch-up merges them into lines, and every donor must still be thanked.
        const burst = [];
        for (let i = 0; i < GAP_BURST; i += 1) {
          burst.push(await donate(survivors[0], orphans[0], 'Burst'));
        }
        const joins = await within(rejoined, SETTLE_TIMEOUT_MS, 'the takeover');
        const takeoverMs = Math.max(...joins.map(({ at }) => at)) - killedAt;
        const { owners: taken, states, members } = await settled(survivors, streamers);
        const afterTakeover = await Promise.all(
          orphans.map((streamer, i) => donate(survivors[i % survivors.length], streamer, 'After')),
        );
        await thanked([inTheGap, ...burst, ...afterTakeover]);
        // A channel's lines go out in order: once these are thanked, nothing about the ones above is on its way.
        const later = await Promise.all(orphans.map((streamer) => donate(survivors[0], streamer, 'Later')));
        await thanked(later);

        console.log(
          `SIGKILL of ${victim.id} (${orphans.length} bots): cluster live and settled ${settledAt - startedAt} ms after spawning, shares ${instances.map(({ id }) => owners.get(id)?.length ?? 0).join('/')}; all channels joined again after ${takeoverMs} ms (bound ${TAKEOVER_BOUND_MS} ms); shares after ${survivors.map(({ id }) => taken.get(id)?.length ?? 0).join('/')}`,
        );
        expect(takeoverMs).toBeLessThanOrEqual(TAKEOVER_BOUND_MS);
        expect(taken.has(victim.id)).toBe(false);
        // Stored while nobody ran the bot: the new owner's catch-up thanked it.
        expect(inTheGap.storedAt).toBeLessThan(joins[0].at);
        for (const donation of [inTheGap, ...burst, ...afterTakeover, ...later]) {
          const { channel, streamerId } = donation.streamer;
          await expectThankedOnce(donation, {
            from: members.get(channel),
            epoch: states.get(streamerId)!.epoch!,
          });
        }
        expect(await claimCount()).toBe(1 + GAP_BURST + 2 * orphans.length);
        expectOneConnectionPerChannel(streamers);
        expect(chat.violations).toEqual([]);
      }),
    TEST_TIMEOUT_MS,
  );

  it(
    'SIGSTOP of an owner past its lease, then SIGCONT: taken over in time, donations of the pause thanked once from the new connections under newer epochs; once woken it posts nothing and closes its stale connections at once',
    () =>
      processes.printOutputOnFailure(async () => {
        const { streamers, instances } = await startCluster();
        const { owners, states: before, members: beforeMembers } = await settled(instances, streamers);
        const victim = busiest(instances, owners);
        const survivors = instances.filter((instance) => instance !== victim);
        const orphans = streamers.filter(({ streamerId }) => owners.get(victim.id)!.includes(streamerId));
        const others = streamers.filter((streamer) => !orphans.includes(streamer));
        const stale = new Set(orphans.map(({ channel }) => beforeMembers.get(channel)!));
        // One each while all is well: the victim's connections were the ones thanking in these channels.
        const warmUp = await Promise.all(orphans.map((streamer) => donate(survivors[0], streamer, 'Before')));
        await thanked(warmUp);
        const rejoined = nextJoins(orphans);

        const stoppedAt = Date.now();
        victim.process.signal('SIGSTOP');
        const inTheGap = await donate(survivors[0], orphans[0], 'Gap');
        // More than a send queue holds: the catch-up merges them into lines, and every donor must still be thanked.
        const burst = [];
        for (let i = 0; i < GAP_BURST; i += 1) {
          burst.push(await donate(survivors[0], orphans[0], 'Burst'));
        }
        const joins = await within(rejoined, SETTLE_TIMEOUT_MS, 'the takeover');
        const takeoverMs = Math.max(...joins.map(({ at }) => at)) - stoppedAt;
        const { states: taken, members: takenMembers } = await settled(survivors, streamers, stale);
        // The one window with two connections in a channel: the stopped process cannot close its own, so the
        // fake still has it joined next to the new owner's. What counts is that nothing goes out on it (below).
        for (const { channel } of orphans) {
          expect(chat.currentMembers(channel)).toHaveLength(2);
        }
        const whilePaused = await Promise.all(
          orphans.map((streamer, i) => donate(survivors[i % survivors.length], streamer, 'Paused')),
        );
        await thanked([inTheGap, ...burst, ...whilePaused]);
        const maxima = streamers.map(({ channel }) => chat.maxConcurrentJoins(channel));
        // The takeover already proves the stopped process's leases ran out in Redis (its own clock ends them
        // earlier still); the pause is stretched to a full lease so it is "past its lease" by any measure. Only
        // time passing makes that so.
        await delay(Math.max(0, CLUSTER_LEASE_MS + 50 - (Date.now() - stoppedAt)));

        const samples: Array<Map<string, KeyState>> = [];
        let sampling = true;
        const sampler = (async () => {
          while (sampling) {
            samples.push(await ownershipStates());
            await delay(20);
          }
        })();
        const pausedMs = Date.now() - stoppedAt;
        const resumedAt = Date.now();
        victim.process.signal('SIGCONT');
        await waitFor(
          () =>
            orphans.every(
              ({ channel }) =>
                !chat.currentMembers(channel).some(({ connectionId }) => stale.has(connectionId)),
            ),
          { timeoutMs: 10_000, intervalMs: 10, what: 'the stale connections closed' },
        );
        const staleClosedMs = Date.now() - resumedAt;
        chat.resetMaxConcurrentJoins();
        // The woken instance is live again: the survivors above the share hand bots back, and it claims them with
        // fresh leases (higher epochs), so the cluster settles on fair shares over three.
        const { owners: rejoinedOwners } = await settled(instances, streamers);
        sampling = false;
        await sampler;
        const later = await Promise.all(orphans.map((streamer) => donate(survivors[0], streamer, 'Later')));
        await thanked(later);

        console.log(
          `SIGSTOP of ${victim.id} (${orphans.length} bots) for ${pausedMs} ms: all channels joined elsewhere after ${takeoverMs} ms (bound ${TAKEOVER_BOUND_MS} ms), stale connections closed ${staleClosedMs} ms after SIGCONT (bound ${STALE_CLOSE_BOUND_MS} ms); shares after rejoining ${instances.map(({ id }) => rejoinedOwners.get(id)?.length ?? 0).join('/')}; ${samples.length} state samples`,
        );
        expect(pausedMs).toBeGreaterThan(CLUSTER_LEASE_MS);
        expect(takeoverMs).toBeLessThanOrEqual(TAKEOVER_BOUND_MS);
        expect(staleClosedMs).toBeLessThanOrEqual(STALE_CLOSE_BOUND_MS);
        for (const { streamerId } of orphans) {
          expect(taken.get(streamerId)?.owner).not.toBe(victim.id);
          expect(taken.get(streamerId)!.epoch).toBeGreaterThan(before.get(streamerId)!.epoch!);
          // It woke up, found the lease gone and tried to record that: a write with the old epoch.
          expect(victim.process.output).toContain(
            `${victim.id} lost ${streamerId} (epoch ${before.get(streamerId)!.epoch})`,
          );
        }
        // Refused: from SIGCONT on, the shared state of every bot it lost carries the epoch of the takeover or a
        // newer one (a fresh claim after the rebalance), never its old lease's.
        expect(samples.length).toBeGreaterThan(0);
        for (const sample of samples) {
          for (const { streamerId } of orphans) {
            const state = sample.get(streamerId);
            expect(state?.epoch).toBeGreaterThanOrEqual(taken.get(streamerId)!.epoch!);
            if (state?.owner === victim.id) {
              expect(state.epoch).toBeGreaterThan(taken.get(streamerId)!.epoch!);
            }
          }
        }
        for (const donation of warmUp) {
          const { channel, streamerId } = donation.streamer;
          await expectThankedOnce(donation, {
            from: beforeMembers.get(channel),
            epoch: before.get(streamerId)!.epoch!,
          });
        }
        // Stored during the pause: thanked by the new owner (the gap one by its catch-up), under its newer epoch.
        expect(inTheGap.storedAt).toBeLessThan(joins[0].at);
        for (const donation of [inTheGap, ...burst, ...whilePaused]) {
          const { channel, streamerId } = donation.streamer;
          await expectThankedOnce(donation, {
            from: takenMembers.get(channel),
            epoch: taken.get(streamerId)!.epoch!,
          });
        }
        for (const donation of later) {
          await expectThankedOnce(donation);
        }
        expect(await claimCount()).toBe(1 + GAP_BURST + 3 * orphans.length);
        // Nothing went out on a stale connection from the moment its process stopped, woken or not.
        expect(
          chat.messages.filter(({ connectionId, at }) => stale.has(connectionId) && at >= stoppedAt),
        ).toEqual([]);
        expect(maxima.filter((_, i) => others.includes(streamers[i]))).toEqual(others.map(() => 1));
        expect(maxima.filter((_, i) => orphans.includes(streamers[i]))).toEqual(orphans.map(() => 2));
        expectOneConnectionPerChannel(streamers);
        expect(chat.violations).toEqual([]);
      }),
    TEST_TIMEOUT_MS,
  );
});
