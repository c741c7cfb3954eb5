import type { DataSource } from 'typeorm';
import type { Environment } from '../../config';
import { BotsService } from '../../src/bots';
import { DonationIngestor, type Donation, type DonationChannel } from '../../src/donations';
import type { FakeTwitch, TwitchUserInput } from '../fakes/fake-twitch';
import { FakeTwitchChat, type ChatMessage } from '../fakes/fake-twitch-chat';
import { bootApp, INSTANCE_TEST_ENV, type ListeningTestApp } from './app';
import { mintTokensByCode, type MintedTokens } from './authorization-code';
import { createBackingServices, type BackingServices, type Deployment } from './deployments';
import { addTwitchUser, startOnboardingFakes, logInNewStreamer, type OnboardingFakes } from './onboarding';
import { seedingRepositories } from './seeding';
import type { WebClient } from './web-client';
import { waitFor } from './waiting';

/** What a streamer grants so their bot reads and writes in their chat. */
export const BOT_TEST_SCOPES = ['chat:read', 'chat:edit'];

/** Bots on, against the fake Twitch chat; short leases and reconnects so a test takes seconds. */
export function botsEnv(chat: FakeTwitchChat): Environment {
  return {
    BOTS_ENABLED: 'true',
    TWITCH_CHAT_URL: chat.url,
    TWITCH_SCOPES: BOT_TEST_SCOPES.join(' '),
    BOT_RECONNECT_MIN_MS: '50',
    BOT_RECONNECT_MAX_MS: '500',
    BOT_PING_MS: '500',
    BOT_PONG_TIMEOUT_MS: '300',
    // Short, so takeovers take about a second; not shorter: on a loaded CI machine a first renewal can come a few
    // hundred ms late (SQLite's one writer), and a lost lease is only reclaimed by the next watchdog pass.
    CLUSTER_RENEW_MS: '250',
    CLUSTER_LEASE_MS: '1500',
    // The tests run the watchdog themselves, so every pass is visible.
    BOTS_WATCHDOG_INTERVAL_MS: '600000',
  };
}

export interface BotInstance extends ListeningTestApp {
  bots: BotsService;
}

export interface BotStreamer {
  streamerId: string;
  user: TwitchUserInput;
  client: WebClient;
  /** The channel: the streamer's login. */
  channel: string;
}

/** One deployment for a bots spec: the database (and Redis), fake Twitch (HTTP and chat), fake DonationAlerts. */
export interface BotsRig {
  services: BackingServices;
  fakes: OnboardingFakes;
  chat: FakeTwitchChat;
  instances: BotInstance[];
  boot(env?: Environment): Promise<BotInstance>;
  /** A streamer who logged in through `instance` (scopes from TWITCH_SCOPES), with their bot running on some instance. */
  streamer(instance: BotInstance): Promise<BotStreamer>;
  /** A watchdog pass on every instance. */
  pass(): Promise<void>;
  close(): Promise<void>;
}

export async function startBotsRig(deployment: Deployment, env: Environment = {}): Promise<BotsRig> {
  const services = await createBackingServices(deployment);
  const fakes = await startOnboardingFakes();
  const chat = await FakeTwitchChat.start({ accounts: fakes.twitch });
  const instances: BotInstance[] = [];
  const rig: BotsRig = {
    services,
    fakes,
    chat,
    instances,
    boot: async (extra = {}) => {
      const app = await bootApp(
        { ...INSTANCE_TEST_ENV, ...services.env, ...fakes.env, ...botsEnv(chat), ...env, ...extra },
        { listen: true },
      );
      const instance = Object.assign(app, { bots: app.app.get(BotsService) });
      instances.push(instance);
      return instance;
    },
    streamer: async (instance) => {
      const { user, client, streamerId } = await logInNewStreamer(instance, fakes.twitch);
      await rig.pass();
      await waitFor(() => chat.currentMembers(user.login).length > 0, { what: `the bot in #${user.login}` });
      return { streamerId, user, client, channel: user.login };
    },
    pass: async () => {
      await Promise.all(instances.map(({ bots }) => bots.watchdog()));
    },
    close: async () => {
      for (const instance of instances.splice(0)) {
        await instance.close();
      }
      await chat.close();
      await fakes.close();
      await services.close();
    },
  };
  return rig;
}

let donationNumber = 0;

/** Stores one donation through the one pipeline, as the poller, a push, a webhook or a test alert would. */
export async function storeDonation(
  instance: ListeningTestApp,
  streamerId: string,
  channel: DonationChannel,
  donation: Partial<{
    externalId: string;
    donorName: string | null;
    amount: string;
    message: string | null;
  }> = {},
): Promise<Donation | undefined> {
  donationNumber += 1;
  const [stored] = await instance.app.get(DonationIngestor).ingest({
    streamerId,
    provider: channel === 'test' ? 'test' : 'donationalerts',
    channel,
    donations: [
      {
        externalId: donation.externalId ?? `bot-test-${donationNumber}`,
        donorName: donation.donorName === undefined ? `Donor ${donationNumber}` : donation.donorName,
        amount: donation.amount ?? '100.00',
        currency: 'RUB',
        message: donation.message === undefined ? 'Привет!' : donation.message,
        createdAt: Date.now(),
      },
    ],
  });
  return stored;
}

/** Waits until `count` lines went to `channel`, and returns them. */
export async function linesIn(chat: FakeTwitchChat, channel: string, count: number): Promise<ChatMessage[]> {
  await waitFor(() => chat.messages.filter((message) => message.channel === channel).length >= count, {
    what: `${count} line(s) in #${channel}`,
  });
  return chat.messages.filter((message) => message.channel === channel);
}

/** A Twitch access and refresh token for `userId`, issued by the fake's authorization code flow (chat works with it). */
export function mintTwitchTokens(
  twitch: FakeTwitch,
  userId: string,
  scopes: string[] = BOT_TEST_SCOPES,
): Promise<MintedTokens> {
  return mintTokensByCode(twitch, {
    authorizePath: '/oauth2/authorize',
    tokenPath: '/oauth2/token',
    userId,
    scopes,
  });
}

/** A streamer written straight into the database, whose bot any instance on it may run. */
export interface SeededBotStreamer {
  streamerId: string;
  user: TwitchUserInput;
  /** The channel: the streamer's login. */
  channel: string;
}

/**
 * `count` streamers logged in with Twitch (scopes BOT_TEST_SCOPES), written straight into `dataSource` by the
 * app's own repositories as the login flow writes them (streamer row; credential encrypted under
 * TEST_ENCRYPTION_KEY), with tokens the fake issued: for instances that run as separate processes on that
 * database, whose watchdogs then claim the bots.
 */
export async function seedBotStreamers(
  dataSource: DataSource,
  twitch: FakeTwitch,
  count: number,
): Promise<SeededBotStreamer[]> {
  const { clock, streamers, credentials } = seedingRepositories(dataSource);
  const seeded: SeededBotStreamer[] = [];
  for (let i = 0; i < count; i += 1) {
    const user = addTwitchUser(twitch);
    const tokens = await mintTwitchTokens(twitch, user.id);
    const streamer = await streamers.upsertFromTwitch({
      twitchId: user.id,
      login: user.login,
      displayName: user.display_name,
      avatarUrl: user.profile_image_url ?? null,
    });
    await credentials.save({
      streamerId: streamer.id,
      provider: 'twitch',
      accountId: user.id,
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      expiresAt: clock.now() + tokens.expiresIn * 1000,
      scopes: BOT_TEST_SCOPES,
    });
    seeded.push({ streamerId: streamer.id, user, channel: user.login });
  }
  return seeded;
}

const MERGED_THANKS_PREFIX = 'Спасибо за донаты: ';

/**
 * The donors a thank-you line names: the one of «Спасибо, {name}, за …» (the default template), or each of a
 * merged «Спасибо за донаты: A (100 RUB), B (50 RUB)» line. A merged line cut short («… и ещё 2») names only
 * those it shows.
 */
export function donorsThankedIn(text: string): string[] {
  if (text.startsWith(MERGED_THANKS_PREFIX)) {
    const listed = text.slice(MERGED_THANKS_PREFIX.length);
    return [...listed.matchAll(/(?:^|, )(.+?) \(\d[^()]*\)/g)].map(([, name]) => name);
  }
  const single = /^Спасибо, (.+?), за /.exec(text);
  return single ? [single[1]] : [];
}
