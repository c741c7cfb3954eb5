import { ConsoleLogger, type LoggerService } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { Logger as PinoLogger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { loadConfig, type AllConfig, type Environment } from '../../config';
import { Clock } from '../../libs/clock';
import { configureHttpPlatform, createApp } from '../../src/app.factory';
import { AppModule } from '../../src/app.module';
import { ADMIN_API_KEY } from './admin';
import { freePort } from './processes';

/** A fixed key: tests never run with the key file a local SQLite start would generate. */
export const TEST_ENCRYPTION_KEY = 'dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXktdGVzdDE=';

/** Settings every test app starts from: quiet logs, JSON format, an ephemeral port. */
export const BASE_TEST_ENV: Environment = {
  NODE_ENV: 'test',
  LOG_LEVEL: 'warn',
  LOG_FORMAT: 'json',
  PORT: '0',
  APP_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
  // The realtime specs turn sockets on against the fake Centrifugo; elsewhere streamers are polled only.
  DA_REALTIME_ENABLED: 'false',
  // Likewise the bot specs connect bots to the fake Twitch chat; elsewhere no bot connects.
  BOTS_ENABLED: 'false',
};

/**
 * Settings for instances of a cluster under test: admin routes open to ADMIN_API_KEY, no leader heartbeat or
 * token validation running unless a test asks for it, and quiet logs (pino-http logs every expected 403 at warn).
 */
export const INSTANCE_TEST_ENV: Environment = {
  ADMIN_API_KEY,
  LEADER_HEARTBEAT_MS: '600000',
  LEADER_LEASE_MS: '1200000',
  LOG_LEVEL: 'fatal',
};

export interface ListenOptions {
  /** PUBLIC_URL when the app is reached through something else (a load balancer). */
  publicUrl?: string;
  /**
   * The host name in PUBLIC_URL (default 127.0.0.1): `localhost` keeps a browser's cookies apart from the
   * fakes'; any other name needs the browser to resolve it to 127.0.0.1.
   */
  publicHost?: string;
}

export interface BootOptions {
  /**
   * Listen on a free port of 127.0.0.1 that PUBLIC_URL names (for browsers, EventSources, load balancers);
   * without it the app is only initialised and supertest binds the server itself.
   */
  listen?: true | ListenOptions;
  /** Replaces the system clock: everything that schedules, expires or backs off reads it. */
  clock?: Clock;
  /** Receives the application's logs instead of pino. */
  logger?: LoggerService;
}

/** The real application: real pipes, guards, filters, database and Redis. */
export interface TestApp {
  app: NestExpressApplication;
  config: AllConfig;
  /** The clock the application reads: `options.clock`, or the system clock. */
  clock: Clock;
  dataSource: DataSource;
  /** The HTTP server to hand to supertest. */
  server: Parameters<typeof import('supertest')>[0];
  close(): Promise<void>;
}

/** A TestApp booted with `listen`, reachable at `origin`; redirect URIs use `publicUrl`. */
export interface ListeningTestApp extends TestApp {
  port: number;
  /** Where this instance itself answers: http://127.0.0.1:<port>. */
  origin: string;
  /** PUBLIC_URL: `origin` unless the app was booted behind a load balancer or under another host name. */
  publicUrl: string;
  /**
   * Stops this instance and boots it again with the very same settings and options on the same port and
   * database, as restarting the process does: a browser that had a page of it open reconnects to the same URL.
   */
  restart(): Promise<ListeningTestApp>;
}

/** Boots the application for `env` (over BASE_TEST_ENV) the way `createApp` builds it for production. */
export function bootApp(
  env: Environment,
  options: BootOptions & { listen: true | ListenOptions },
): Promise<ListeningTestApp>;
export function bootApp(env: Environment, options?: BootOptions): Promise<TestApp>;
export async function bootApp(env: Environment, options: BootOptions = {}): Promise<TestApp> {
  if (!options.listen) {
    const config = loadConfig({ ...BASE_TEST_ENV, ...env });
    const app = await buildApp(config, options);
    await start(app, () => app.init());
    return describeApp(app, config);
  }
  const listen = options.listen === true ? {} : options.listen;
  const port = await freePort();
  const publicUrl = listen.publicUrl ?? `http://${listen.publicHost ?? '127.0.0.1'}:${port}`;
  const config = loadConfig({
    ...BASE_TEST_ENV,
    ...env,
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: publicUrl,
  });
  return listenOn(config, port, publicUrl, options);
}

async function listenOn(
  config: AllConfig,
  port: number,
  publicUrl: string,
  options: BootOptions,
): Promise<ListeningTestApp> {
  const app = await buildApp(config, options);
  await start(app, () => app.listen(port, '127.0.0.1'));
  const listening: ListeningTestApp = {
    ...describeApp(app, config),
    port,
    origin: `http://127.0.0.1:${port}`,
    publicUrl,
    restart: async () => {
      await listening.close();
      return listenOn(config, port, publicUrl, options);
    },
  };
  return listening;
}

/**
 * `createApp` itself unless the test replaces the clock or the logger: then the same AppModule and HTTP
 * platform (`configureHttpPlatform`), compiled through Nest's testing module so the providers can be swapped.
 */
async function buildApp(config: AllConfig, { clock, logger }: BootOptions): Promise<NestExpressApplication> {
  if (!clock && !logger) {
    return (await createApp(config)).app;
  }
  const builder = Test.createTestingModule({ imports: [AppModule.forRoot(config)] }).setLogger(
    logger ?? new ConsoleLogger({ logLevels: ['error', 'fatal'] }),
  );
  const moduleRef = await (clock ? builder.overrideProvider(Clock).useValue(clock) : builder).compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({
    rawBody: true,
    bufferLogs: true,
    bodyParser: false,
  });
  app.useLogger(logger ?? app.get(PinoLogger));
  configureHttpPlatform(app, config);
  return app;
}

async function start(app: NestExpressApplication, starting: () => Promise<unknown>): Promise<void> {
  try {
    await starting();
  } catch (error) {
    await app.close();
    throw error;
  }
}

function describeApp(app: NestExpressApplication, config: AllConfig): TestApp {
  return {
    app,
    config,
    clock: app.get(Clock),
    dataSource: app.get(DataSource),
    server: app.getHttpServer(),
    close: async () => {
      const closing = app.close();
      // A request the app never answered (a test exposing a bug) must not keep the server open.
      app.getHttpServer().closeAllConnections();
      await closing;
    },
  };
}
