import { ConfigValidationError, loadConfig, loadDatabaseConfig, type Environment } from './index';

const KEY = Buffer.alloc(32, 7).toString('base64');

function configErrorFor(env: Environment): ConfigValidationError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigValidationError) {
      return error;
    }
    throw error;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe(loadConfig.name, () => {
  it('returns the documented defaults when the environment is empty', () => {
    const config = loadConfig({});

    expect(config.app).toEqual({
      nodeEnv: 'development',
      port: 3000,
      host: '0.0.0.0',
      publicUrl: 'http://localhost:3000',
      logLevel: 'info',
      logFormat: 'pretty',
      bodyLimit: '1mb',
      shutdownTimeoutMs: 10_000,
      instanceId: expect.stringMatching(/^.+-\d+-[0-9a-f]{6}$/),
    });
    expect(config.database).toEqual({
      type: 'sqlite',
      url: 'sqlite:data/app.sqlite',
      path: 'data/app.sqlite',
      runMigrations: true,
      logQueries: false,
    });
    expect(config.redis).toEqual({
      url: undefined,
      required: false,
      tls: false,
      keyPrefix: 'dta:',
      connectTimeoutMs: 5000,
      commandTimeoutMs: 5000,
    });
    expect(config.leader).toEqual({ heartbeatMs: 20_000, leaseMs: 60_000 });
    expect(config.admin).toEqual({ apiKey: undefined });
  });

  it('gives every process its own instance id when INSTANCE_ID is unset', () => {
    expect(loadConfig({}).app.instanceId).not.toBe(loadConfig({}).app.instanceId);
    expect(loadConfig({ INSTANCE_ID: 'web-1' }).app.instanceId).toBe('web-1');
  });

  it('turns environment strings into typed values when they are valid', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      APP_ENCRYPTION_KEY: KEY,
      PORT: '8080',
      PUBLIC_URL: 'https://alerts.example.com/',
      BODY_LIMIT: '512kb',
      SHUTDOWN_TIMEOUT_MS: '5000',
      REDIS_URL: 'redis://127.0.0.1:6379/2',
      REDIS_REQUIRED: 'yes',
      REDIS_KEY_PREFIX: 'prod:',
      LEADER_HEARTBEAT_MS: '1000',
      LEADER_LEASE_MS: '2000',
      ADMIN_API_KEY: '0123456789abcdef',
      DB_RUN_MIGRATIONS: 'false',
    });

    expect(config.app).toMatchObject({
      nodeEnv: 'production',
      port: 8080,
      publicUrl: 'https://alerts.example.com',
      logLevel: 'info',
      logFormat: 'json',
      bodyLimit: '512kb',
      shutdownTimeoutMs: 5000,
    });
    expect(config.redis).toMatchObject({
      url: 'redis://127.0.0.1:6379/2',
      required: true,
      tls: false,
      keyPrefix: 'prod:',
    });
    expect(config.leader).toEqual({ heartbeatMs: 1000, leaseMs: 2000 });
    expect(config.admin.apiKey).toBe('0123456789abcdef');
    expect(config.database.runMigrations).toBe(false);
  });

  it('quietens logs when NODE_ENV is test', () => {
    expect(loadConfig({ NODE_ENV: 'test' }).app).toMatchObject({ logLevel: 'warn', logFormat: 'json' });
  });

  it('selects PostgreSQL with the public schema when DATABASE_URL is a postgres URL', () => {
    expect(
      loadConfig({ DATABASE_URL: 'postgres://app@db:5432/app', APP_ENCRYPTION_KEY: KEY }).database,
    ).toEqual({
      type: 'postgres',
      url: 'postgres://app@db:5432/app',
      schema: 'public',
      poolSize: 10,
      runMigrations: true,
      logQueries: false,
    });
    expect(
      loadConfig({
        DATABASE_URL: 'postgresql://app@db/app',
        APP_ENCRYPTION_KEY: KEY,
        DATABASE_SCHEMA: 'tenant_1',
        DB_POOL_SIZE: '3',
      }).database,
    ).toMatchObject({ type: 'postgres', schema: 'tenant_1', poolSize: 3 });
  });

  it('keeps the SQLite path when DATABASE_URL is sqlite:<path>', () => {
    expect(loadConfig({ DATABASE_URL: 'sqlite:/var/lib/app/db.sqlite' }).database).toMatchObject({
      type: 'sqlite',
      path: '/var/lib/app/db.sqlite',
    });
  });

  it('enables TLS when REDIS_URL is rediss:// unless REDIS_TLS says otherwise', () => {
    expect(loadConfig({ REDIS_URL: 'rediss://cache:6380' }).redis.tls).toBe(true);
    expect(loadConfig({ REDIS_URL: 'rediss://cache:6380', REDIS_TLS: 'false' }).redis.tls).toBe(false);
    expect(loadConfig({ REDIS_URL: 'redis://cache:6379', REDIS_TLS: 'true' }).redis.tls).toBe(true);
  });

  it('treats an empty variable like an unset one when it was left blank in a .env file', () => {
    const blank: Environment = Object.fromEntries(
      [
        'NODE_ENV',
        'PORT',
        'HOST',
        'PUBLIC_URL',
        'LOG_LEVEL',
        'LOG_FORMAT',
        'BODY_LIMIT',
        'SHUTDOWN_TIMEOUT_MS',
        'INSTANCE_ID',
        'DATABASE_URL',
        'DATABASE_SCHEMA',
        'DB_RUN_MIGRATIONS',
        'DB_POOL_SIZE',
        'REDIS_URL',
        'REDIS_REQUIRED',
        'REDIS_TLS',
        'REDIS_CONNECT_TIMEOUT_MS',
        'REDIS_COMMAND_TIMEOUT_MS',
        'LEADER_HEARTBEAT_MS',
        'LEADER_LEASE_MS',
        'ADMIN_API_KEY',
      ].map((name) => [name, '']),
    );
    const defaults = loadConfig({ INSTANCE_ID: 'same' });

    const config = loadConfig({ ...blank, INSTANCE_ID: 'same' });
    expect(config).toEqual(defaults);
    expect(loadConfig(blank).app.instanceId).toEqual(expect.stringMatching(/^.+-\d+-[0-9a-f]{6}$/));
  });

  it('accepts a lease of exactly twice the heartbeat', () => {
    expect(loadConfig({ LEADER_HEARTBEAT_MS: '500', LEADER_LEASE_MS: '1000' }).leader).toEqual({
      heartbeatMs: 500,
      leaseMs: 1000,
    });
  });

  it('throws one ConfigValidationError listing every bad variable when several are wrong', () => {
    const error = configErrorFor({
      PORT: 'abc',
      DATABASE_URL: 'mysql://x',
      REDIS_REQUIRED: 'maybe',
      LEADER_HEARTBEAT_MS: '1000',
      LEADER_LEASE_MS: '1500',
      ADMIN_API_KEY: 'too-short-key',
    });

    expect(error.name).toBe('ConfigValidationError');
    for (const variable of [
      'PORT',
      'DATABASE_URL',
      'REDIS_REQUIRED',
      'LEADER_LEASE_MS',
      'LEADER_HEARTBEAT_MS',
      'ADMIN_API_KEY',
    ]) {
      expect(error.message).toContain(variable);
    }
    expect(error.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^PORT .*\(got "abc"\)$/),
        'DATABASE_URL must be sqlite:<path> or postgres://user@host:port/database (got "mysql://x")',
        expect.stringMatching(/^REDIS_REQUIRED .*\(got "maybe"\)$/),
        'LEADER_LEASE_MS (1500) must be at least twice LEADER_HEARTBEAT_MS (1000)',
        expect.stringMatching(/^ADMIN_API_KEY must be at least 16 characters/),
      ]),
    );
    expect(error.message).toMatch(/^Invalid configuration \(\d+ problem\(s\)\):\n/);
    expect(error.message.split('\n').slice(1)).toHaveLength(error.problems.length);
  });

  it('reads the alert media limits, with defaults and bounds', () => {
    expect(loadConfig({}).alerts).toEqual({ mediaMaxBytes: 5_242_880, mediaQuotaBytes: 52_428_800 });
    expect(loadConfig({ ALERT_MEDIA_MAX_BYTES: '1048576', ALERT_MEDIA_QUOTA_BYTES: '4096' }).alerts).toEqual({
      mediaMaxBytes: 1_048_576,
      mediaQuotaBytes: 4096,
    });
    expect(
      configErrorFor({ ALERT_MEDIA_MAX_BYTES: '52428801', ALERT_MEDIA_QUOTA_BYTES: '1000' }).problems,
    ).toEqual([
      expect.stringMatching(/^ALERT_MEDIA_MAX_BYTES must not be greater than 52428800/),
      expect.stringMatching(/^ALERT_MEDIA_QUOTA_BYTES must not be less than 1024/),
    ]);
  });

  it('reads the avatar wall settings, with defaults and bounds', () => {
    expect(loadConfig({}).avatars).toEqual({ max: 24, idleMs: 300_000 });
    expect(loadConfig({ AVATARS_MAX: '8', AVATARS_IDLE_MS: '60000' }).avatars).toEqual({
      max: 8,
      idleMs: 60_000,
    });
    const error = configErrorFor({ AVATARS_MAX: '0', AVATARS_IDLE_MS: '999' });
    expect(error.problems).toEqual([
      expect.stringMatching(/^AVATARS_MAX must not be less than 1/),
      expect.stringMatching(/^AVATARS_IDLE_MS must not be less than 10000/),
    ]);
    expect(configErrorFor({ AVATARS_MAX: '501' }).problems).toEqual([
      expect.stringMatching(/^AVATARS_MAX must not be greater than 500/),
    ]);
  });

  it('reads the text-to-speech settings, with defaults and bounds', () => {
    expect(loadConfig({}).tts).toEqual({
      espeakPath: 'espeak-ng',
      renderTimeoutMs: 10_000,
      maxConcurrentRenders: 2,
      cacheEntries: 200,
    });
    expect(
      loadConfig({
        TTS_ESPEAK_PATH: '/opt/espeak/bin/espeak-ng',
        TTS_RENDER_TIMEOUT_MS: '5000',
        TTS_MAX_CONCURRENT_RENDERS: '1',
        TTS_CACHE_ENTRIES: '50',
      }).tts,
    ).toEqual({
      espeakPath: '/opt/espeak/bin/espeak-ng',
      renderTimeoutMs: 5000,
      maxConcurrentRenders: 1,
      cacheEntries: 50,
    });
    const error = configErrorFor({
      TTS_RENDER_TIMEOUT_MS: '10',
      TTS_MAX_CONCURRENT_RENDERS: '0',
      TTS_CACHE_ENTRIES: '10001',
    });
    expect(error.problems).toEqual([
      expect.stringMatching(/^TTS_RENDER_TIMEOUT_MS must not be less than 1000/),
      expect.stringMatching(/^TTS_MAX_CONCURRENT_RENDERS must not be less than 1/),
      expect.stringMatching(/^TTS_CACHE_ENTRIES must not be greater than 10000/),
    ]);
  });

  it('never echoes the admin API key when it is rejected', () => {
    const error = configErrorFor({ ADMIN_API_KEY: 'sekrit-admin' });

    expect(error.problems).toEqual([expect.stringContaining('ADMIN_API_KEY must be at least 16 characters')]);
    expect(error.message).not.toContain('sekrit-admin');
  });

  it('never echoes credentials embedded in a rejected URL', () => {
    const error = configErrorFor({
      DATABASE_URL: 'mysql://app:hunter2-db@db.internal/app',
      REDIS_URL: 'http://:hunter2-redis@cache.internal:6379',
    });

    expect(error.message).toContain('DATABASE_URL');
    expect(error.message).toContain('REDIS_URL');
    expect(error.message).not.toContain('hunter2-db');
    expect(error.message).not.toContain('hunter2-redis');
  });

  it('rejects a value out of range when it parses as a number', () => {
    expect(configErrorFor({ PORT: '70000', LEADER_HEARTBEAT_MS: '10' }).problems).toEqual([
      'PORT must not be greater than 65535',
      'LEADER_HEARTBEAT_MS must not be less than 50',
    ]);
  });

  it('rejects a malformed BODY_LIMIT when it has no unit', () => {
    expect(configErrorFor({ BODY_LIMIT: '1 megabyte' }).problems).toEqual([
      'BODY_LIMIT must look like 1mb, 512kb or 1048576b (got "1 megabyte")',
    ]);
  });

  it('reads the Twitch and DonationAlerts settings with their real hosts as defaults', () => {
    const config = loadConfig({
      TWITCH_CLIENT_ID: 'id',
      TWITCH_CLIENT_SECRET: 'secret',
      TWITCH_SCOPES: 'chat:read chat:edit',
    });

    expect(config.twitch).toEqual({
      clientId: 'id',
      clientSecret: 'secret',
      scopes: ['chat:read', 'chat:edit'],
      authBaseUrl: 'https://id.twitch.tv',
      apiBaseUrl: 'https://api.twitch.tv',
      validateIntervalMs: 3_600_000,
    });
    expect(config.donationAlerts).toMatchObject({
      baseUrl: 'https://www.donationalerts.com',
      scopes: ['oauth-user-show', 'oauth-donation-index', 'oauth-donation-subscribe'],
    });
    expect(loadConfig({}).twitch.scopes).toEqual(['chat:read']);
  });

  it('rejects a client id without its secret for both providers', () => {
    expect(configErrorFor({ TWITCH_CLIENT_ID: 'id', DA_CLIENT_SECRET: 'secret' }).problems).toEqual([
      'TWITCH_CLIENT_ID and TWITCH_CLIENT_SECRET must be set together',
      'DA_CLIENT_ID and DA_CLIENT_SECRET must be set together',
    ]);
  });

  it('decodes APP_ENCRYPTION_KEY from base64 or hex and rejects other lengths without echoing it', () => {
    expect(loadConfig({ APP_ENCRYPTION_KEY: KEY }).security.encryptionKey).toEqual(Buffer.alloc(32, 7));
    expect(loadConfig({ APP_ENCRYPTION_KEY: 'ab'.repeat(32) }).security.encryptionKey).toEqual(
      Buffer.alloc(32, 0xab),
    );
    const problems = configErrorFor({ APP_ENCRYPTION_KEY: 'too-short-secret' }).problems;
    expect(problems).toEqual([expect.stringContaining('APP_ENCRYPTION_KEY must be 32 bytes')]);
    expect(problems.join()).not.toContain('too-short-secret');
  });

  it('requires APP_ENCRYPTION_KEY in production and with PostgreSQL, but not for a local SQLite start', () => {
    expect(configErrorFor({ NODE_ENV: 'production' }).problems).toEqual([
      'APP_ENCRYPTION_KEY is required when NODE_ENV=production (try: openssl rand -base64 32)',
    ]);
    expect(configErrorFor({ DATABASE_URL: 'postgres://app@db/app' }).problems).toEqual([
      'APP_ENCRYPTION_KEY is required with PostgreSQL: every instance must share one key',
    ]);
    expect(loadConfig({}).security.encryptionKey).toBeUndefined();
  });

  it('loads the database settings alone for the migration CLI, without the other rules', () => {
    expect(
      loadDatabaseConfig({ DATABASE_URL: 'postgres://app@db/app', NODE_ENV: 'production' }),
    ).toMatchObject({
      type: 'postgres',
    });
    expect(() => loadDatabaseConfig({ DATABASE_URL: 'mysql://x' })).toThrow(ConfigValidationError);
  });
});
