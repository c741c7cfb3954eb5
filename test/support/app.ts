import type { NestExpressApplication } from '@nestjs/platform-express';
import { loadConfig, type AllConfig, type Environment } from '../../config';
import { createApp } from '../../src/app.factory';

/** A fixed key: tests never run with the key file a local SQLite start would generate. */
export const TEST_ENCRYPTION_KEY = 'dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXktdGVzdDE=';

/** Settings every test app starts from: quiet logs, JSON format, an ephemeral port. */
export const BASE_TEST_ENV: Environment = {
  NODE_ENV: 'test',
  LOG_LEVEL: 'warn',
  LOG_FORMAT: 'json',
  PORT: '0',
  APP_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
};

export interface TestApp {
  app: NestExpressApplication;
  config: AllConfig;
  /** The HTTP server to hand to supertest. */
  server: Parameters<typeof import('supertest')>[0];
  close(): Promise<void>;
}

/** Boots the real application (real pipes, guards, filters, database, Redis) for the given environment. */
export async function bootTestApp(env: Environment): Promise<TestApp> {
  const config = loadConfig({ ...BASE_TEST_ENV, ...env });
  const { app } = await createApp(config);
  await app.init();
  return {
    app,
    config,
    server: app.getHttpServer(),
    close: () => app.close(),
  };
}
