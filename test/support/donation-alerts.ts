import { EventEmitter2 } from '@nestjs/event-emitter';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { DataSource } from 'typeorm';
import type { Environment } from '../../config';
import type { Clock } from '../../libs/clock';
import { EventBus, type BusMessage } from '../../libs/event-bus';
import type { Donation } from '../../src/donations/donation';
import { DonationEvents } from '../../src/donations/donations.events';
import { OAuthCredentialsRepository } from '../../src/oauth/oauth-credentials.repository';
import { DonationAlertsScheduler, type PollResult } from '../../src/scheduler/donation-alerts-scheduler';
import { StreamersRepository } from '../../src/streamers/streamers.repository';
import { FakeDonationAlerts, type FakeDonationAlertsOptions } from '../fakes/fake-donationalerts';
import { bootApp, INSTANCE_TEST_ENV, type BootOptions, type TestApp } from './app';
import { mintTokensByCode, type MintedTokens } from './authorization-code';
import { createBackingServices, type BackingServices, type Deployment } from './deployments';
import { holdLeadership } from './leadership';
import { ManualClock } from './manual-clock';
import { seedingRepositories } from './seeding';
import { within } from './waiting';

/** The scopes the service asks DonationAlerts for. */
export const DA_TEST_SCOPES = ['oauth-user-show', 'oauth-donation-index', 'oauth-donation-subscribe'];

/**
 * Settings for the DonationAlerts pipeline tests: an instance of the cluster (INSTANCE_TEST_ENV) whose scheduler
 * does not tick by itself (the test drives `tick()`/`pollOne()`), with no jitter so delays are exact.
 */
export const DA_TEST_ENV: Environment = {
  ...INSTANCE_TEST_ENV,
  SCHEDULER_ENABLED: 'false',
  DA_POLL_JITTER: '0',
};

/** A DonationAlerts access and refresh token for `userId`, obtained through the fake's authorization code flow. */
export function mintDonationAlertsTokens(da: FakeDonationAlerts, userId: number): Promise<MintedTokens> {
  return mintTokensByCode(da, {
    authorizePath: '/oauth/authorize',
    tokenPath: '/oauth/token',
    userId,
    scopes: DA_TEST_SCOPES,
  });
}

export interface DonationAlertsStreamer {
  streamerId: string;
  /** The streamer's account at the fake DonationAlerts. */
  daUserId: number;
  accessToken: string;
  refreshToken: string;
}

let streamerNumber = 0;

/**
 * A streamer with a working DonationAlerts connection, stored the way the connect flow stores it (streamer row,
 * encrypted credential), with tokens the fake issued; added to the poll schedule unless `schedule` is false.
 */
export async function connectedStreamer(
  app: NestExpressApplication,
  da: FakeDonationAlerts,
  clock: Clock,
  { schedule = true }: { schedule?: boolean } = {},
): Promise<DonationAlertsStreamer> {
  streamerNumber += 1;
  const daUserId = 8_000_000 + streamerNumber;
  da.addUser({ id: daUserId, code: `da_streamer_${streamerNumber}`, name: `DA Streamer ${streamerNumber}` });
  const tokens = await mintDonationAlertsTokens(da, daUserId);
  const streamer = await app.get(StreamersRepository).create({
    twitchId: String(90_000_000 + streamerNumber),
    login: `da_streamer_${streamerNumber}`,
    displayName: `DA_Streamer_${streamerNumber}`,
  });
  await app.get(OAuthCredentialsRepository).save({
    streamerId: streamer.id,
    provider: 'donationalerts',
    accountId: String(daUserId),
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    expiresAt: clock.now() + tokens.expiresIn * 1000,
    scopes: DA_TEST_SCOPES,
  });
  if (schedule) {
    await app.get(DonationAlertsScheduler).add(streamer.id);
  }
  return { streamerId: streamer.id, daUserId, ...tokens };
}

/**
 * `count` streamers with a working DonationAlerts connection, written straight into `dataSource` by the app's
 * own repositories (streamer row; credential encrypted under TEST_ENCRYPTION_KEY, as the connect flow stores
 * it), with tokens the fake issued: for instances that run as separate processes on that database. Nothing is
 * scheduled; the leader's schedule reconcile adds them.
 */
export async function seedConnectedStreamers(
  dataSource: DataSource,
  da: FakeDonationAlerts,
  count: number,
): Promise<DonationAlertsStreamer[]> {
  const { clock, streamers: streamersRepository, credentials } = seedingRepositories(dataSource);
  const seeded: DonationAlertsStreamer[] = [];
  for (let i = 0; i < count; i += 1) {
    streamerNumber += 1;
    const daUserId = 8_000_000 + streamerNumber;
    da.addUser({
      id: daUserId,
      code: `da_streamer_${streamerNumber}`,
      name: `DA Streamer ${streamerNumber}`,
    });
    const tokens = await mintDonationAlertsTokens(da, daUserId);
    const streamer = await streamersRepository.create({
      twitchId: String(90_000_000 + streamerNumber),
      login: `da_streamer_${streamerNumber}`,
      displayName: `DA_Streamer_${streamerNumber}`,
    });
    await credentials.save({
      streamerId: streamer.id,
      provider: 'donationalerts',
      accountId: String(daUserId),
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      expiresAt: clock.now() + tokens.expiresIn * 1000,
      scopes: DA_TEST_SCOPES,
    });
    seeded.push({ streamerId: streamer.id, daUserId, ...tokens });
  }
  return seeded;
}

/** Takes every streamer off the schedule, so the next test starts with an empty one. */
export async function clearSchedule(scheduler: DonationAlertsScheduler): Promise<void> {
  for (const { streamerId } of (await scheduler.snapshot()).entries) {
    await scheduler.remove(streamerId, 'test finished');
  }
}

/**
 * Drives the scheduler as its interval would: a tick every `stepMs` of fake time for `durationMs`, each awaited
 * before the clock moves on. Returns every poll result, in order.
 */
export async function tickFor(
  schedulers: DonationAlertsScheduler[],
  clock: ManualClock,
  durationMs: number,
  stepMs: number,
): Promise<PollResult[]> {
  const results: PollResult[] = [];
  for (let elapsed = 0; elapsed < durationMs; elapsed += stepMs) {
    for (const batch of await Promise.all(schedulers.map((scheduler) => scheduler.tick()))) {
      results.push(...batch);
    }
    clock.advance(stepMs);
  }
  return results;
}

/** The most requests in any window of `windowMs` ending at one of `times` (the window is `(t - windowMs, t]`). */
export function maxInAnyWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end += 1) {
    while (sorted[start] <= sorted[end] - windowMs) {
      start += 1;
    }
    most = Math.max(most, end - start + 1);
  }
  return most;
}

/** Settings pointing the app at a fake DonationAlerts. */
export function donationAlertsEnv(da: FakeDonationAlerts): Environment {
  return { DA_CLIENT_ID: da.clientId, DA_CLIENT_SECRET: da.clientSecret, DA_BASE_URL: da.baseUrl };
}

/** Every `donation.received` the instance emits in-process, in order. */
export function receivedDonations(app: NestExpressApplication): Donation[] {
  const received: Donation[] = [];
  app.get(EventEmitter2).on(DonationEvents.received, (donation: Donation) => received.push(donation));
  return received;
}

export interface BusListener {
  /** Messages received so far, in order. */
  messages: Array<BusMessage<Donation>>;
  /** Resolves once `count` messages arrived in all (fails the test after 5 s). */
  received(count: number): Promise<void>;
}

/** The `donation.received` messages about one streamer that an instance receives on the cross-instance bus. */
export async function listenOnBus(app: NestExpressApplication, streamerId: string): Promise<BusListener> {
  const messages: Array<BusMessage<Donation>> = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  await app.get(EventBus).subscribe<Donation>(DonationEvents.received, (message) => {
    if (message.payload.streamerId !== streamerId) {
      return;
    }
    messages.push(message);
    for (const waiter of waiters.filter(({ count }) => messages.length >= count)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  });
  return {
    messages,
    received: (count) =>
      messages.length >= count
        ? Promise.resolve()
        : within(
            new Promise<void>((resolve) => waiters.push({ count, resolve })),
            5_000,
            `bus message #${count}`,
          ),
  };
}

/** An instance of the rig, with its scheduler at hand (the tests drive its ticks). */
export interface DonationAlertsInstance extends TestApp {
  scheduler: DonationAlertsScheduler;
}

/**
 * One deployment for a test file: its database (and Redis prefix), a fake DonationAlerts on a manual clock,
 * another "instance" holding the leadership, and the instances the test boots on them.
 */
export interface DonationAlertsRig {
  services: BackingServices;
  da: FakeDonationAlerts;
  clock: ManualClock;
  instances: DonationAlertsInstance[];
  /** Boots one more instance on the shared database, Redis, fake and clock. */
  boot(env?: Environment, options?: Pick<BootOptions, 'logger'>): Promise<DonationAlertsInstance>;
  close(): Promise<void>;
}

export interface DonationAlertsRigOptions {
  /** Settings for every instance. */
  env?: Environment;
  fake?: FakeDonationAlertsOptions;
  /** false: no stand-in leader, so the first instance booted leads and runs the leader jobs. */
  leaderElsewhere?: boolean;
}

export async function startDonationAlertsRig(
  deployment: Deployment,
  { env = {}, fake = {}, leaderElsewhere = true }: DonationAlertsRigOptions = {},
): Promise<DonationAlertsRig> {
  const clock = new ManualClock();
  const services = await createBackingServices(deployment);
  const releaseLeadership = leaderElsewhere ? await holdLeadership(services) : () => Promise.resolve();
  const da = await FakeDonationAlerts.start({ clock: () => clock.now(), ...fake });
  const instances: DonationAlertsInstance[] = [];
  return {
    services,
    da,
    clock,
    instances,
    boot: async (extra = {}, options = {}) => {
      const booted = await bootApp(
        { ...DA_TEST_ENV, ...services.env, ...donationAlertsEnv(da), ...env, ...extra },
        { ...options, clock },
      );
      const instance = { ...booted, scheduler: booted.app.get(DonationAlertsScheduler) };
      instances.push(instance);
      return instance;
    },
    close: async () => {
      for (const instance of instances.splice(0)) {
        await instance.close();
      }
      await da.close();
      await releaseLeadership();
      await services.close();
    },
  };
}
