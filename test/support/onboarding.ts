import { DataSource } from 'typeorm';
import type { Environment } from '../../config';
import { FakeDonationAlerts, type DonationAlertsUser } from '../fakes/fake-donationalerts';
import { FakeTwitch, type TwitchUserInput } from '../fakes/fake-twitch';
import { bootApp, INSTANCE_TEST_ENV, type ListeningTestApp } from './app';
import { createBackingServices, type BackingServices, type Deployment } from './deployments';
import { WebClient, type FollowedResponse } from './web-client';

/** Fake Twitch and DonationAlerts, and the settings that point the app at them. */
export interface OnboardingFakes {
  twitch: FakeTwitch;
  da: FakeDonationAlerts;
  env: Environment;
  close(): Promise<void>;
}

export async function startOnboardingFakes(): Promise<OnboardingFakes> {
  const twitch = await FakeTwitch.start();
  const da = await FakeDonationAlerts.start().catch(async (error: unknown) => {
    await twitch.close();
    throw error;
  });
  return {
    twitch,
    da,
    env: {
      TWITCH_CLIENT_ID: twitch.clientId,
      TWITCH_CLIENT_SECRET: twitch.clientSecret,
      TWITCH_AUTH_BASE_URL: twitch.baseUrl,
      TWITCH_API_BASE_URL: twitch.baseUrl,
      DA_CLIENT_ID: da.clientId,
      DA_CLIENT_SECRET: da.clientSecret,
      DA_BASE_URL: da.baseUrl,
    },
    close: async () => {
      await twitch.close();
      await da.close();
    },
  };
}

/** One listening instance for an onboarding spec: its deployment's database, the fakes, and the app on them. */
export interface OnboardingInstance {
  services: BackingServices;
  fakes: OnboardingFakes;
  instance: ListeningTestApp;
  close(): Promise<void>;
}

export async function startOnboardingInstance(
  deployment: Deployment,
  env: Environment = {},
): Promise<OnboardingInstance> {
  const services = await createBackingServices(deployment);
  const fakes = await startOnboardingFakes();
  const instance = await bootApp(
    { ...INSTANCE_TEST_ENV, ...services.env, ...fakes.env, ...env },
    { listen: true },
  ).catch(async (error: unknown) => {
    await fakes.close();
    await services.close();
    throw error;
  });
  return {
    services,
    fakes,
    instance,
    close: async () => {
      await instance.close();
      await fakes.close();
      await services.close();
    },
  };
}

let streamerNumber = 0;

/** A Twitch account of its own for one test (ids never repeat in a run), registered on the fake. */
export function addTwitchUser(twitch: FakeTwitch, overrides: Partial<TwitchUserInput> = {}): TwitchUserInput {
  streamerNumber += 1;
  const id = String(70_000 + streamerNumber);
  const user: TwitchUserInput = {
    id,
    login: `streamer_${streamerNumber}`,
    display_name: `Streamer_${streamerNumber}`,
    profile_image_url: `https://static-cdn.jtvnw.net/jtv_user_pictures/${id}-profile_image-300x300.png`,
    ...overrides,
  };
  twitch.addUser(user);
  return user;
}

/**
 * Runs "Log in with Twitch" as `user` from `/auth/twitch` through the fake's consent to wherever the app ends
 * (the dashboard when all goes well).
 */
export function logInWithTwitch(
  client: WebClient,
  twitch: FakeTwitch,
  user: Pick<TwitchUserInput, 'id'>,
  headers?: Record<string, string>,
  start = '/auth/twitch',
): Promise<FollowedResponse> {
  twitch.nextLoginAs(user.id);
  return client.follow(start, { headers });
}

/** A streamer who logged in with Twitch in a browser of their own, and that browser. */
export async function logInNewStreamer(
  instance: ListeningTestApp,
  twitch: FakeTwitch,
): Promise<{ user: TwitchUserInput; client: WebClient; streamerId: string }> {
  const user = addTwitchUser(twitch);
  const client = new WebClient(instance.publicUrl);
  await logInWithTwitch(client, twitch, user);
  const streamer = await streamerByTwitchId(instance.dataSource, user.id);
  return { user, client, streamerId: streamer.id };
}

let daUserNumber = 0;

/** A DonationAlerts account of its own for one test, registered on the fake. */
export function newDonationAlertsUser(da: FakeDonationAlerts): DonationAlertsUser {
  daUserNumber += 1;
  return da.addUser({ id: 4_200_000 + daUserNumber, code: `da_${daUserNumber}`, name: `DA ${daUserNumber}` });
}

/** Clicks "Connect DonationAlerts" and approves as `daUser` on the fake, following every redirect. */
export function connectDonationAlerts(
  client: WebClient,
  da: FakeDonationAlerts,
  daUser: DonationAlertsUser,
): Promise<FollowedResponse> {
  da.nextLoginAs(daUser.id);
  return client.follow('/auth/donationalerts');
}

/** The callback URL (with code, scope and state) a login went through. */
export function callbackHop(login: FollowedResponse): string {
  const hop = login.hops.find((url) => new URL(url).pathname === '/auth/twitch/callback');
  if (!hop) {
    throw new Error(`The login never reached the callback:\n${login.hops.join('\n')}`);
  }
  return hop;
}

export interface StreamerRow {
  id: string;
  twitch_id: string;
  login: string;
  display_name: string;
  avatar_url: string | null;
  overlay_token: string | null;
  status: string;
}

export interface CredentialRow {
  streamer_id: string;
  provider: string;
  account_id: string;
  scopes: string;
  access_token: string;
  refresh_token: string | null;
  status: string;
  validated_at: string | number | null;
}

/** Rows exactly as stored, read with plain SQL (no repository, no decryption). */
export function streamerRows(dataSource: DataSource): Promise<StreamerRow[]> {
  return dataSource.query(
    'SELECT id, twitch_id, login, display_name, avatar_url, overlay_token, status FROM streamers ORDER BY twitch_id',
  );
}

export function credentialRows(dataSource: DataSource): Promise<CredentialRow[]> {
  return dataSource.query(
    `SELECT streamer_id, provider, account_id, scopes, access_token, refresh_token, status, validated_at
     FROM oauth_credentials ORDER BY streamer_id, provider`,
  );
}

export async function streamerByTwitchId(dataSource: DataSource, twitchId: string): Promise<StreamerRow> {
  const row = (await streamerRows(dataSource)).find((streamer) => streamer.twitch_id === twitchId);
  if (!row) {
    throw new Error(`No streamer with Twitch id ${twitchId}`);
  }
  return row;
}

export async function credentialOf(
  dataSource: DataSource,
  streamerId: string,
  provider: 'twitch' | 'donationalerts',
): Promise<CredentialRow | undefined> {
  return (await credentialRows(dataSource)).find(
    (row) => row.streamer_id === streamerId && row.provider === provider,
  );
}

/** Empties the onboarding tables between tests sharing one app. */
export async function clearOnboardingTables(dataSource: DataSource): Promise<void> {
  await dataSource.query('DELETE FROM oauth_credentials');
  await dataSource.query('DELETE FROM streamers');
}
