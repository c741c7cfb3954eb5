import { once } from 'node:events';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DataSource } from 'typeorm';
import { loadConfig, type AllConfig, type Environment } from '../../config';
import { createApp } from '../../src/app.factory';
import { FakeDonationAlerts } from '../fakes/fake-donationalerts';
import { FakeTwitch, type TwitchUserInput } from '../fakes/fake-twitch';
import { BASE_TEST_ENV } from './app';
import { createTestDatabase, type TestDatabase } from './databases';
import { freePort } from './processes';
import { clearRedisPrefix } from './redis';
import { TEST_REDIS_URL, uniqueName } from './services';
import type { FollowedResponse, WebClient } from './web-client';

/** The two ways the service is run: one process on SQLite, or instances sharing PostgreSQL and Redis. */
export type Deployment = 'sqlite' | 'postgres+redis';
export const DEPLOYMENTS: Deployment[] = ['sqlite', 'postgres+redis'];

export const ADMIN_API_KEY = 'onboarding-admin-key-0123456789abcdef';

/**
 * Settings for the onboarding tests: admin routes open to ADMIN_API_KEY, no leader heartbeat or token
 * validation running unless a test asks for it, and quiet logs (pino-http logs every expected 403 at warn).
 */
export const ONBOARDING_TEST_ENV: Environment = {
  ADMIN_API_KEY,
  LEADER_HEARTBEAT_MS: '600000',
  LEADER_LEASE_MS: '1200000',
  LOG_LEVEL: 'fatal',
};

/** The database (and, for postgres+redis, the Redis prefix) every instance of one test shares. */
export interface BackingServices {
  deployment: Deployment;
  database: TestDatabase;
  /** DATABASE_URL (+ DATABASE_SCHEMA, REDIS_URL, REDIS_KEY_PREFIX) for the app. */
  env: Environment;
  /** Drops the schema or file and deletes the Redis keys. */
  close(): Promise<void>;
}

export async function createBackingServices(deployment: Deployment): Promise<BackingServices> {
  if (deployment === 'sqlite') {
    const database = await createTestDatabase('sqlite');
    return { deployment, database, env: database.env, close: () => database.drop() };
  }
  const database = await createTestDatabase('postgres');
  const keyPrefix = `${uniqueName('onboarding')}:`;
  return {
    deployment,
    database,
    env: { ...database.env, REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: keyPrefix },
    close: async () => {
      await database.drop();
      await clearRedisPrefix(keyPrefix);
    },
  };
}

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

/** The real application listening on 127.0.0.1, reachable at `origin`; redirect URIs use `publicUrl`. */
export interface ListeningApp {
  app: NestExpressApplication;
  config: AllConfig;
  port: number;
  /** Where this instance itself answers: http://127.0.0.1:<port>. */
  origin: string;
  /** PUBLIC_URL: `origin` unless the app was booted behind a load balancer or under another host name. */
  publicUrl: string;
  dataSource: DataSource;
  close(): Promise<void>;
}

export interface ListenOptions {
  /** PUBLIC_URL when the app is reached through something else (a load balancer). */
  publicUrl?: string;
  /**
   * The host name in PUBLIC_URL (default 127.0.0.1): `localhost` keeps a browser's cookies apart from the
   * fakes'; any other name needs the browser to resolve it to 127.0.0.1.
   */
  publicHost?: string;
}

/** Boots the real application as bootTestApp does, but listening on a free port that PUBLIC_URL names. */
export async function bootListeningApp(env: Environment, options: ListenOptions = {}): Promise<ListeningApp> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const publicUrl = options.publicUrl ?? `http://${options.publicHost ?? '127.0.0.1'}:${port}`;
  const config = loadConfig({
    ...BASE_TEST_ENV,
    ...ONBOARDING_TEST_ENV,
    ...env,
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: publicUrl,
  });
  return listenOn(config, port, origin, publicUrl);
}

/**
 * Stops `previous` and boots the application again with the very same settings on the same port and database,
 * as restarting the process does: a browser that had a page of the old one open reconnects to the same URL.
 */
export async function restartListeningApp(previous: ListeningApp): Promise<ListeningApp> {
  await previous.close();
  return listenOn(previous.config, previous.port, previous.origin, previous.publicUrl);
}

async function listenOn(
  config: AllConfig,
  port: number,
  origin: string,
  publicUrl: string,
): Promise<ListeningApp> {
  const { app } = await createApp(config);
  try {
    await app.listen(port, '127.0.0.1');
  } catch (error) {
    await app.close();
    throw error;
  }
  return {
    app,
    config,
    port,
    origin,
    publicUrl,
    dataSource: app.get(DataSource),
    close: async () => {
      const closing = app.close();
      // A request the app never answered (a test exposing a bug) must not keep the server open.
      app.getHttpServer().closeAllConnections();
      await closing;
    },
  };
}

/** Which instance a load balancer sent one request to. */
export interface RoutedRequest {
  method: string;
  path: string;
  instance: number;
}

/**
 * A minimal HTTP load balancer in front of several instances: `route` picks the instance for each request
 * (round robin by default), and `routed` records the choice, so a test can make a callback land on another
 * instance than the one that started the login.
 */
export class TestLoadBalancer {
  readonly routed: RoutedRequest[] = [];
  route: (method: string, path: string, index: number) => number;
  private readonly server: Server;
  private port = 0;

  private constructor(private readonly instances: () => ListeningApp[]) {
    this.route = (_method, _path, index) => index % this.instances().length;
    this.server = createServer((req, res) => {
      const path = req.url ?? '/';
      const instance = this.route(req.method ?? 'GET', path, this.routed.length);
      this.routed.push({ method: req.method ?? 'GET', path: path.split('?')[0], instance });
      const target = this.instances()[instance];
      const upstream = httpRequest(
        `${target.origin}${path}`,
        { method: req.method, headers: req.headers, agent: false },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => {
        res.writeHead(502).end();
      });
      req.pipe(upstream);
    });
  }

  /** Listens on a free port; `instances` is read on every request, so they may be booted afterwards. */
  static async start(instances: () => ListeningApp[]): Promise<TestLoadBalancer> {
    const balancer = new TestLoadBalancer(instances);
    balancer.server.listen(0, '127.0.0.1');
    await once(balancer.server, 'listening');
    balancer.port = (balancer.server.address() as AddressInfo).port;
    return balancer;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    const closed = once(this.server, 'close');
    this.server.close();
    this.server.closeAllConnections();
    await closed;
  }
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
): Promise<FollowedResponse> {
  twitch.nextLoginAs(user.id);
  return client.follow('/auth/twitch', { headers });
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

/** One element of a server-rendered page, found by id: its tag, attributes (unescaped) and text. */
export interface PageElement {
  tag: string;
  attributes: Record<string, string>;
  /** The text inside it, tags removed and whitespace collapsed. */
  text: string;
}

const ENTITIES: Record<string, string> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#39;': "'",
};

function unescapeHtml(value: string): string {
  return value.replace(/&(amp|lt|gt|quot|#39);/g, (entity) => ENTITIES[entity]);
}

/** The element with this id (pages are small and hand-written: no nesting of a tag inside itself). */
export function elementById(html: string, id: string): PageElement | undefined {
  const opening = new RegExp(`<([a-z0-9]+)((?:\\s[^>]*)?\\sid="${id}"[^>]*)>`, 'i').exec(html);
  if (!opening) {
    return undefined;
  }
  const [whole, tag, rawAttributes] = opening;
  const attributes = Object.fromEntries(
    [...rawAttributes.matchAll(/([\w-]+)(?:="([^"]*)")?/g)].map(([, name, value]) => [
      name,
      unescapeHtml(value ?? ''),
    ]),
  );
  const rest = html.slice(opening.index + whole.length);
  const end = rest.indexOf(`</${tag}>`);
  const inner = end === -1 ? '' : rest.slice(0, end);
  return {
    tag,
    attributes,
    text: unescapeHtml(inner.replace(/<[^>]*>/g, ' '))
      .replace(/\s+/g, ' ')
      .trim(),
  };
}

/** Like elementById, failing with the page when the element is missing. */
export function requireElement(html: string, id: string): PageElement {
  const element = elementById(html, id);
  if (!element) {
    throw new Error(`No element #${id} on the page:\n${html}`);
  }
  return element;
}
