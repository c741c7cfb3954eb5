import BetterSqlite3 from 'better-sqlite3';
import { Redis } from 'ioredis';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisConnection } from '../libs/redis';
import { MIGRATIONS } from '../src/database/migrations';
import { createTestDatabase, DATABASE_KINDS, openDataSource, type TestDatabase } from './support/databases';
import { httpGet } from './support/http';
import { openSse } from './support/sse-client';
import { ALERT_STREAM } from './support/overlay';
import { builtScript, freePort, NodeProcess, type Exit } from './support/processes';
import { clearRedisPrefix, testRedisConfig } from './support/redis';
import { TEST_REDIS_URL } from './support/services';
import { TEST_ENCRYPTION_KEY } from './support/app';

const ADMIN_API_KEY = 'process-admin-key-0123456789abcdef';
/** What the issue allows for a graceful shutdown. */
const SHUTDOWN_BUDGET_MS = 10_000;

let workDir: string;
let processes: NodeProcess[] = [];

beforeEach(() => {
  workDir = mkdtempSync(join(tmpdir(), 'da-process-'));
});

afterEach(async () => {
  await Promise.all(processes.map((child) => child.kill()));
  processes = [];
  rmSync(workDir, { recursive: true, force: true });
});

function run(args: string[], env: Record<string, string>): NodeProcess {
  const child = new NodeProcess(args, env, workDir);
  processes.push(child);
  return child;
}

interface HealthBody {
  status: string;
  details: Record<string, Record<string, unknown> | undefined>;
}

function healthOf(body: string): HealthBody {
  return JSON.parse(body) as HealthBody;
}

/** The lines of a LOG_FORMAT=json process's stdout that are not JSON log records. */
function nonJsonLines(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .filter((line) => {
      try {
        return typeof JSON.parse(line) !== 'object';
      } catch {
        return true;
      }
    });
}

/** Sends `signal` and returns the exit together with how long it took. */
async function stop(child: NodeProcess, signal: NodeJS.Signals): Promise<Exit & { tookMs: number }> {
  const sentAt = Date.now();
  child.signal(signal);
  const exit = await child.exitWithin(SHUTDOWN_BUDGET_MS + 5_000);
  return { ...exit, tookMs: Date.now() - sentAt };
}

describe('main process (dist/src/main.js)', () => {
  let main: string;

  beforeAll(() => {
    main = builtScript('src/main.js');
  });

  function startApp(env: Record<string, string>): NodeProcess {
    return run([main], {
      NODE_ENV: 'production',
      APP_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      DATABASE_URL: `sqlite:${join(workDir, 'app.sqlite')}`,
      ...env,
    });
  }

  it('exits 1 before listening, naming Redis and its masked URL, when REDIS_REQUIRED and Redis is unreachable', async () => {
    const port = await freePort();

    const exit = await startApp({
      PORT: String(port),
      REDIS_REQUIRED: 'true',
      REDIS_URL: 'redis://:secretpw@127.0.0.1:1',
      REDIS_CONNECT_TIMEOUT_MS: '2000',
    }).exitWithin(15_000);

    // exitWithin bounds the wait: it gives up after the connect timeout instead of retrying for ever. The
    // exact time is a boot on a busy CI machine (8 s was once too tight), so it is not asserted more closely.
    expect(exit.code).toBe(1);
    expect(exit.stderr).toContain(
      'Cannot start: Redis is required (REDIS_REQUIRED=true) but unreachable at redis://:***@127.0.0.1:1',
    );
    expect(exit.stdout + exit.stderr).not.toContain('secretpw');
    expect(exit.stdout).not.toContain('Listening on');
    expect(exit.stdout).not.toContain('Nest application successfully started');
  });

  it('exits 1 with one message listing every bad variable when the configuration is invalid', async () => {
    const exit = await startApp({ PORT: 'abc', DATABASE_URL: 'mysql://x' }).exitWithin(15_000);

    expect(exit.code).toBe(1);
    expect(exit.stderr.match(/Invalid configuration/g)).toHaveLength(1);
    expect(exit.stderr).toMatch(/- PORT must .*\(got "abc"\)/);
    expect(exit.stderr).toContain('- DATABASE_URL must be sqlite:<path> or postgres://');
    expect(exit.stderr).not.toMatch(/^\s+at /m);
    expect(exit.stdout).not.toContain('Listening on');
  });

  it('serves /health on SQLite without Redis, logs JSON with secrets redacted, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const app = startApp({ PORT: String(port), ADMIN_API_KEY });
    await app.waitForHttp(`${base}/health/live`, (response) => response.status === 200);

    const health = await httpGet(`${base}/health`);
    const admin = await httpGet(`${base}/api/admin/streamers`, { authorization: `Bearer ${ADMIN_API_KEY}` });
    const ready = await httpGet(`${base}/health/ready?token=tok-secret-123&code=oauth-code-456`);
    const exit = await stop(app, 'SIGTERM');

    expect(health.status).toBe(200);
    expect(healthOf(health.body)).toMatchObject({
      status: 'degraded',
      details: { database: { status: 'up' }, redis: { status: 'degraded', mode: 'single-instance' } },
    });
    expect(admin).toEqual({ status: 200, body: '[]' });
    expect(ready.status).toBe(200);
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.tookMs).toBeLessThan(SHUTDOWN_BUDGET_MS);
    expect(exit.stdout).toContain(`Listening on 127.0.0.1:${port}`);
    expect(exit.stdout).toContain('Shutdown complete');
    expect(nonJsonLines(exit.stdout)).toEqual([]);
    expect(exit.stdout).toContain('/health/ready?token=%5BREDACTED%5D&code=%5BREDACTED%5D');
    for (const secret of [ADMIN_API_KEY, 'tok-secret-123', 'oauth-code-456']) {
      expect(exit.stdout + exit.stderr).not.toContain(secret);
    }
  });

  it('ends open overlay streams on SIGTERM, so pages reconnect elsewhere, and exits promptly', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const app = startApp({ PORT: String(port), ADMIN_API_KEY });
    await app.waitForHttp(`${base}/health/live`, (response) => response.status === 200);
    const token = 'process-overlay-token-0123456789abcdef';
    const database = new BetterSqlite3(join(workDir, 'app.sqlite'));
    database
      .prepare(
        `INSERT INTO streamers (id, twitch_id, login, display_name, overlay_token, status, created_at, updated_at)
         VALUES ('s-1', 't-1', 'streamer', 'Streamer', ?, 'active', 0, 0)`,
      )
      .run(token);
    database.close();
    const stream = await openSse(`${base}/overlay/${token}/events`, {}, ALERT_STREAM);

    const exit = await stop(app, 'SIGTERM');
    await stream.ended;

    expect(stream.status).toBe(200);
    expect(exit.code).toBe(0);
    // An SSE stream never ends by itself: without closing it the process waits for the shutdown deadline.
    expect(exit.tookMs).toBeLessThan(2_000);
  });

  /**
   * Sends SIGTERM while a request is in flight: the server has dispatched it (it answered 100 Continue) and the
   * route waits for the body, which is sent only once shutdown has begun. The client keeps its connection open.
   */
  async function shutDownWithRequestInFlight() {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const app = startApp({ PORT: String(port), ADMIN_API_KEY });
    await app.waitForHttp(`${base}/health/live`, (response) => response.status === 200);
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    let received = '';
    let answeredAt = 0;
    socket.setEncoding('utf8').on('data', (chunk: string) => {
      received += chunk;
      answeredAt = Date.now();
    });
    const closed = once(socket, 'close');
    const continued = once(socket, 'data');
    socket.write(
      [
        'GET /api/admin/streamers HTTP/1.1',
        'Host: 127.0.0.1',
        `Authorization: Bearer ${ADMIN_API_KEY}`,
        'Content-Type: application/json',
        'Content-Length: 2',
        'Expect: 100-continue',
        '',
        '',
      ].join('\r\n'),
    );
    await continued;

    app.signal('SIGTERM');
    await app.waitForOutput(/SIGTERM received/);
    const lateCaller = await httpGet(`${base}/health/live`).catch((error: Error) => error);
    socket.write('{}');
    const exit = await app.exitWithin(SHUTDOWN_BUDGET_MS + 5_000);
    const exitedAt = Date.now();
    await closed;
    return { received, lateCaller, exit, exitDelayAfterAnswerMs: exitedAt - answeredAt };
  }

  it('finishes a request in flight and refuses new connections when it gets SIGTERM', async () => {
    const { received, lateCaller, exit } = await shutDownWithRequestInFlight();

    expect(received).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
    expect(received).toMatch(/\r\n\r\n\[\]$/);
    // Refused by the closed listener, or reset if it arrived while the listening socket was closing.
    expect(['ECONNREFUSED', 'ECONNRESET']).toContain((lateCaller as NodeJS.ErrnoException).code);
    expect(exit).toMatchObject({ code: 0, signal: null });
  });

  it('exits promptly after answering the request in flight when that client keeps its connection open', async () => {
    const { exit, exitDelayAfterAnswerMs } = await shutDownWithRequestInFlight();

    expect(exit.code).toBe(0);
    // Without closing that connection the drain waits for the keep-alive timeout, and a client that keeps
    // sending requests on it holds the process until the shutdown deadline.
    expect(exitDelayAfterAnswerMs).toBeLessThan(2_000);
  });

  it('falls back to single-instance mode, says so on /health without the password, and exits 0 on SIGINT when Redis is unreachable and not required', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const app = startApp({
      PORT: String(port),
      REDIS_REQUIRED: 'false',
      REDIS_URL: 'redis://:secretpw@127.0.0.1:1',
      REDIS_CONNECT_TIMEOUT_MS: '1000',
    });
    await app.waitForHttp(`${base}/health/live`, (response) => response.status === 200);

    const health = await httpGet(`${base}/health`);
    const exit = await stop(app, 'SIGINT');

    expect(health.status).toBe(200);
    expect(healthOf(health.body).details.redis).toEqual({
      status: 'degraded',
      mode: 'single-instance',
      message: expect.stringContaining('Redis unreachable at redis://:***@127.0.0.1:1'),
    });
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.tookMs).toBeLessThan(SHUTDOWN_BUDGET_MS);
    expect(exit.stdout).toMatch(/"level":40,.*Redis unreachable at redis:\/\/:\*\*\*@127\.0\.0\.1:1/);
    expect(health.body + exit.stdout + exit.stderr).not.toContain('secretpw');
  });

  it('leaves the schema alone when DB_RUN_MIGRATIONS is false, and keeps logging JSON when its queries fail', async () => {
    const port = await freePort();
    const app = startApp({ PORT: String(port), DB_RUN_MIGRATIONS: 'false', LEADER_HEARTBEAT_MS: '200' });
    await app.waitForHttp(`http://127.0.0.1:${port}/health/live`, (response) => response.status === 200);
    // The leader heartbeat needs the locks table, which only the migrations create.
    await app.waitForOutput(/Leader lock attempt failed/);
    const ready = await httpGet(`http://127.0.0.1:${port}/health/ready`);

    const exit = await stop(app, 'SIGTERM');
    const check = await run([builtScript('src/database/migrate-cli.js'), 'check'], {
      DATABASE_URL: `sqlite:${join(workDir, 'app.sqlite')}`,
    }).exitWithin(20_000);

    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body).details.schema).toEqual({
      status: 'down',
      message: `${MIGRATIONS.length} pending migration(s): run npm run migrate`,
      pending: MIGRATIONS.map((migration) => migration.name),
    });
    expect(exit.code).toBe(0);
    expect(check.code).toBe(1);
    expect(nonJsonLines(exit.stdout)).toEqual([]);
  });

  describe('with Redis', () => {
    const { keyPrefix } = testRedisConfig();
    const leaderKey = `${keyPrefix}lock:leader`;
    let redis: Redis;

    beforeAll(() => {
      redis = new Redis(TEST_REDIS_URL);
    });

    afterAll(async () => {
      await clearRedisPrefix(keyPrefix);
      await redis?.quit();
    });

    it('releases leadership in Redis and exits 0 when it gets SIGTERM while leading', async () => {
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      const app = startApp({
        PORT: String(port),
        REDIS_URL: TEST_REDIS_URL,
        REDIS_REQUIRED: 'true',
        REDIS_KEY_PREFIX: keyPrefix,
        LEADER_HEARTBEAT_MS: '200',
        LEADER_LEASE_MS: '60000',
      });
      const health = await app.waitForHttp(
        `${base}/health`,
        (response) => response.status === 200 && healthOf(response.body).details.cluster?.leader === true,
      );
      expect(healthOf(health.body).details).toMatchObject({
        redis: { status: 'up', mode: 'redis' },
        cluster: { locks: 'redis', events: 'redis', leader: true },
      });
      expect(await redis.exists(leaderKey)).toBe(1);
      // The lease is a minute long: the key disappears promptly only if shutdown gives it up.
      expect(await redis.pttl(leaderKey)).toBeGreaterThan(30_000);

      const exit = await stop(app, 'SIGTERM');

      expect(exit).toMatchObject({ code: 0, signal: null });
      expect(exit.tookMs).toBeLessThan(SHUTDOWN_BUDGET_MS);
      expect(await redis.exists(leaderKey)).toBe(0);
      expect(exit.stdout).toContain('Leader lock released');
    });
  });
});

describe('migrate-cli (dist/src/database/migrate-cli.js)', () => {
  let cli: string;

  beforeAll(() => {
    cli = builtScript('src/database/migrate-cli.js');
  });

  describe.each(DATABASE_KINDS)('on %s', (kind) => {
    let database: TestDatabase;

    beforeEach(async () => {
      database = await createTestDatabase(kind);
    });

    afterEach(async () => {
      await database?.drop();
    });

    function migrate(command: 'check' | 'run'): Promise<Exit> {
      return run([cli, command], database.env).exitWithin(20_000);
    }

    it('lists pending migrations with exit 1, applies them with run, then checks clean with exit 0 on a fresh database', async () => {
      const pending = await migrate('check');
      expect(pending.code).toBe(1);
      expect(pending.stdout).toMatch(/\d+ pending migration\(s\):\n {2}- InitialSchema1763780000000/);

      const applied = await migrate('run');
      expect(applied.code).toBe(0);
      expect(applied.stdout).toContain('Applied InitialSchema1763780000000');

      const clean = await migrate('check');
      expect(clean.code).toBe(0);
      expect(clean.stdout).toContain('The database schema is up to date.');

      const again = await migrate('run');
      expect(again.code).toBe(0);
      expect(again.stdout).toContain('No pending migrations.');

      const dataSource = await openDataSource(database, { migrate: false });
      const queryRunner = dataSource.createQueryRunner();
      try {
        expect(await dataSource.showMigrations()).toBe(false);
        expect(await queryRunner.hasTable('streamers')).toBe(true);
      } finally {
        await queryRunner.release();
        await dataSource.destroy();
      }
    });
  });
});

describe(RedisConnection.name, () => {
  it('lets the process exit at once when it fell back to single-instance mode because Redis refused the connection', async () => {
    const redisModule = builtScript('libs/redis/index.js');
    const script = `
      const { RedisConnection } = require(${JSON.stringify(redisModule)});
      const config = { url: 'redis://127.0.0.1:1', required: false, tls: false, keyPrefix: 'x:', connectTimeoutMs: 1000, commandTimeoutMs: 1000 };
      RedisConnection.open(config)
        .then((connection) => connection.close())
        .then(() => {
          const closedAt = Date.now();
          process.on('exit', () => process.stdout.write('exit-delay-ms=' + (Date.now() - closedAt) + '\\n'));
        });
    `;

    const exit = await run(['-e', script], {}).exitWithin(15_000);

    expect(exit.code).toBe(0);
    const delayMs = Number(/exit-delay-ms=(\d+)/.exec(exit.stdout)?.[1]);
    expect(delayMs).toBeLessThan(500);
  });
});
