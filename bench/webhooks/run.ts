import 'reflect-metadata';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus } from 'node:os';
import { dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Pool } from 'pg';
import { loadConfig } from '../../config';
import { createApp } from '../../src/app.factory';
import { StreamersRepository } from '../../src/streamers/streamers.repository';
import { BASE_TEST_ENV } from '../../test/support/app';
import { createTestDatabase } from '../../test/support/databases';

/**
 * Signed webhook deliveries per second into PostgreSQL, 50 senders at once, against a baseline in the same run:
 * a bare node:http handler doing the same x-da-signature check and an INSERT … ON CONFLICT DO NOTHING via pg.
 * Settings: BENCH_DURATION_S (10), BENCH_SENDERS (50), BENCH_OUT (reports/bench-webhooks.json).
 */
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const SENDERS = Number(process.env.BENCH_SENDERS ?? 50);
const OUT = resolve(process.env.BENCH_OUT ?? 'reports/bench-webhooks.json');
const SECRET = 'whsec_YmVuY2gtd2ViaG9vay1zZWNyZXQtMzItYnl0ZXMhIQ==';
const PATH = '/api/donationalerts/webhook';

interface RunResult {
  accepted: number;
  failed: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

let donationId = 1;

function signedDelivery(streamerId: string): { body: string; signature: string } {
  const body = JSON.stringify({
    type: 'donation',
    streamerId,
    data: {
      id: donationId++,
      name: 'donation',
      username: 'bench',
      message_type: 'text',
      message: 'bench donation',
      amount: 100,
      currency: 'RUB',
      is_shown: 0,
      created_at: '2025-11-22 10:00:00',
      shown_at: null,
    },
  });
  return { body, signature: `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}` };
}

/** SENDERS loops, each posting one fresh signed donation after another until the time is up. */
async function drive(url: string, streamerId: string): Promise<RunResult> {
  const latencies: number[] = [];
  let failed = 0;
  const endAt = performance.now() + DURATION_S * 1000;
  const sender = async () => {
    while (performance.now() < endAt) {
      const { body, signature } = signedDelivery(streamerId);
      const started = performance.now();
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-da-signature': signature },
        body,
      });
      await response.arrayBuffer();
      if (response.status === 200) {
        latencies.push(performance.now() - started);
      } else {
        failed += 1;
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: SENDERS }, sender));
  const elapsedS = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Math.round((latencies[Math.floor(q * (latencies.length - 1))] ?? 0) * 10) / 10;
  return {
    accepted: latencies.length,
    failed,
    perSecond: Math.round(latencies.length / elapsedS),
    p50Ms: at(0.5),
    p99Ms: at(0.99),
  };
}

/** The least a handler must do: read the body, check the HMAC in constant time, insert ignoring duplicates. */
function startBaseline(pool: Pool, table: string): Promise<Server> {
  const key = Buffer.from(SECRET, 'utf8');
  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) {
      chunks.push(chunk as Buffer);
    }
    const raw = Buffer.concat(chunks);
    const header = String(request.headers['x-da-signature'] ?? '');
    const given = Buffer.from(header.replace(/^sha256=/, ''), 'hex');
    const expected = createHmac('sha256', key).update(raw).digest();
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      response.writeHead(401).end();
      return;
    }
    const delivery = JSON.parse(raw.toString('utf8')) as {
      streamerId: string;
      data: { id: number; amount: number };
    };
    const result = await pool.query(
      `INSERT INTO ${table} (streamer_id, external_id, amount, received_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (streamer_id, external_id) DO NOTHING`,
      [delivery.streamerId, String(delivery.data.id), delivery.data.amount, Date.now()],
    );
    response
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ stored: result.rowCount }));
  };
  const server = createServer((request, response) => {
    handle(request, response).catch(() => response.writeHead(500).end());
  });
  return new Promise((resolveListening) => server.listen(0, '127.0.0.1', () => resolveListening(server)));
}

async function main(): Promise<void> {
  const database = await createTestDatabase('postgres');
  const config = loadConfig({
    ...BASE_TEST_ENV,
    ...database.env,
    LOG_LEVEL: 'warn',
    SCHEDULER_ENABLED: 'false',
    DA_WEBHOOK_SECRET: SECRET,
    WEBHOOK_RATE_LIMIT: '100000000',
  });
  const { app } = await createApp(config);
  await app.listen(0, '127.0.0.1');
  const pool = new Pool({ connectionString: database.config.url, max: 10 });
  const table = `bench_webhook_baseline_${process.pid}`;
  try {
    const streamer = await app.get(StreamersRepository).create({
      twitchId: '1',
      login: 'bench',
      displayName: 'Bench',
    });
    const appUrl = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}${PATH}`;
    await pool.query(
      `CREATE TABLE ${table} (streamer_id varchar(36), external_id varchar(64), amount numeric(12,2),
       received_at bigint, PRIMARY KEY (streamer_id, external_id))`,
    );
    const baselineServer = await startBaseline(pool, table);
    const baselineUrl = `http://127.0.0.1:${(baselineServer.address() as AddressInfo).port}${PATH}`;
    try {
      const baseline = await drive(baselineUrl, streamer.id);
      const service = await drive(appUrl, streamer.id);
      const report = {
        at: new Date().toISOString(),
        cpus: cpus().length,
        node: process.version,
        durationS: DURATION_S,
        senders: SENDERS,
        service,
        baseline,
        ratio: Math.round((service.perSecond / baseline.perSecond) * 100) / 100,
      };
      mkdirSync(dirname(OUT), { recursive: true });
      writeFileSync(OUT, `${JSON.stringify(report, null, 2)}\n`);
      console.log(JSON.stringify(report, null, 2));
    } finally {
      await new Promise((done) => baselineServer.close(done));
    }
  } finally {
    await pool.query(`DROP TABLE IF EXISTS ${table}`);
    await pool.end();
    await app.close();
    await database.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
