import request from 'supertest';
import { AllExceptionsFilter } from '../src/common/http/all-exceptions.filter';
import { HealthController } from '../src/health/health.controller';
import { MetricsController } from '../src/metrics/metrics.controller';
import { bootApp, type TestApp } from './support/app';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './support/databases';
import { expectNoInternals } from './support/http';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe.each(DATABASE_KINDS)('HTTP app on %s without Redis', (kind) => {
  let database: TestDatabase;
  let testApp: TestApp;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    testApp = await bootApp({ ...database.env, LOG_LEVEL: 'error', BODY_LIMIT: '1kb' });
  });

  afterAll(async () => {
    await testApp?.close();
    await database?.drop();
  });

  describe(HealthController.name, () => {
    it('answers 200 with the database up and Redis degraded when Redis is not configured', async () => {
      const response = await request(testApp.server).get('/health');

      expect(response.status).toBe(200);
      expect(response.body.status).toBe('degraded');
      expect(response.body.details).toEqual({
        database: { status: 'up', responseTime: expect.any(Number) },
        schema: { status: 'up' },
        redis: { status: 'degraded', mode: 'single-instance', message: 'REDIS_URL is not set' },
        cluster: {
          status: 'up',
          instanceId: testApp.config.app.instanceId,
          leader: expect.any(Boolean),
          leaderEpoch: expect.any(Number),
          locks: 'database',
          events: 'in-process',
        },
        realtime: { status: 'up', enabled: false },
        bots: { status: 'up', enabled: false },
        tts: { status: 'up', engine: 'espeak-ng', available: true },
      });
    });

    it('answers liveness without checking dependencies', async () => {
      const response = await request(testApp.server).get('/health/live');

      expect(response.status).toBe(200);
      expect(response.body).toEqual({ status: 'ok', info: {}, error: {}, details: {} });
    });

    it('answers readiness from the database, its schema and Redis only', async () => {
      const response = await request(testApp.server).get('/health/ready');

      expect(response.status).toBe(200);
      expect(response.body.status).toBe('degraded');
      expect(Object.keys(response.body.details).sort()).toEqual(['database', 'redis', 'schema']);
      expect(response.body.details.database.status).toBe('up');
      expect(response.body.details.schema.status).toBe('up');
      expect(response.body.details.redis).toMatchObject({ status: 'degraded', mode: 'single-instance' });
    });
  });

  describe('OpenAPI', () => {
    it('serves the Swagger UI page at /docs', async () => {
      const response = await request(testApp.server).get('/docs');

      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/html/);
      expect(response.text).toContain('<title>Swagger UI</title>');
      expect(response.text).toContain('<div id="swagger-ui"></div>');
    });

    it('serves the Swagger UI script the page loads', async () => {
      const response = await request(testApp.server).get('/docs/swagger-ui-init.js');

      expect(response.status).toBe(200);
      expect(response.text).toContain('SwaggerUIBundle');
    });

    it('describes the admin streamers route with bearer security at /docs-json', async () => {
      const response = await request(testApp.server).get('/docs-json');

      expect(response.status).toBe(200);
      const { paths, components } = response.body;
      const operation = paths['/api/admin/streamers'].get;
      expect(operation.security).toEqual([{ 'admin-api-key': [] }]);
      expect(Object.keys(operation.responses).sort()).toEqual(['200', '401', '503']);
      expect(components.securitySchemes['admin-api-key']).toMatchObject({ type: 'http', scheme: 'bearer' });
      expect(Object.keys(components.schemas.StreamerSummaryDto.properties).sort()).toEqual(
        ['displayName', 'donationCount', 'id', 'lastDonationAt', 'login', 'status', 'twitchId'].sort(),
      );
      expect(paths['/health'].get.security).toBeUndefined();
    });
  });

  describe(MetricsController.name, () => {
    it('serves Prometheus text at /metrics', async () => {
      const response = await request(testApp.server).get('/metrics');

      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
      expect(response.text).toMatch(/^# HELP process_cpu_user_seconds_total /m);
      expect(response.text).toMatch(/^nodejs_heap_size_used_bytes \d+/m);
    });
  });

  describe(AllExceptionsFilter.name, () => {
    it('answers 400 with the request id when the JSON body is malformed', async () => {
      const response = await request(testApp.server)
        .post('/api/admin/streamers')
        .set('content-type', 'application/json')
        .send('{"login": "oops",');

      expect(response.status).toBe(400);
      expect(response.body).toEqual({
        statusCode: 400,
        message: 'Malformed JSON body',
        requestId: response.headers['x-request-id'],
      });
      expectNoInternals(response.text);
    });

    it('answers 413 when the body is larger than BODY_LIMIT', async () => {
      const response = await request(testApp.server)
        .post('/api/anything')
        .set('content-type', 'application/json')
        .send(JSON.stringify({ padding: 'x'.repeat(2048) }));

      expect(response.status).toBe(413);
      expect(response.body).toEqual({
        statusCode: 413,
        message: 'Request body too large',
        requestId: response.headers['x-request-id'],
      });
      expectNoInternals(response.text);
    });

    it('parses the body when it is just under BODY_LIMIT', async () => {
      const response = await request(testApp.server)
        .post('/api/anything')
        .set('content-type', 'application/json')
        .send(JSON.stringify({ padding: 'x'.repeat(900) }));

      expect(response.status).toBe(404);
    });

    it('answers 413 when a urlencoded body is larger than BODY_LIMIT', async () => {
      const response = await request(testApp.server)
        .post('/api/anything')
        .type('form')
        .send(`padding=${'x'.repeat(2048)}`);

      expect(response.status).toBe(413);
      expectNoInternals(response.text);
    });

    it('answers 404 JSON with the request id when the route is unknown', async () => {
      const response = await request(testApp.server).get('/no/such/route');

      expect(response.status).toBe(404);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.body).toEqual({
        statusCode: 404,
        error: 'Not Found',
        message: 'Cannot GET /no/such/route',
        requestId: response.headers['x-request-id'],
      });
      expectNoInternals(response.text);
    });
  });

  describe('request id', () => {
    it('echoes x-request-id when the caller sends a sane one', async () => {
      const response = await request(testApp.server).get('/nope').set('x-request-id', 'lb-trace.42_A');

      expect(response.headers['x-request-id']).toBe('lb-trace.42_A');
      expect(response.body.requestId).toBe('lb-trace.42_A');
    });

    it('makes a new id when the caller sends none', async () => {
      const response = await request(testApp.server).get('/health/live');

      expect(response.headers['x-request-id']).toMatch(UUID);
    });

    it('replaces x-request-id when it could inject into logs', async () => {
      const response = await request(testApp.server)
        .get('/nope')
        .set('x-request-id', 'evil id"} {"level":60');

      expect(response.headers['x-request-id']).toMatch(UUID);
      expect(response.body.requestId).toBe(response.headers['x-request-id']);
    });
  });

  describe('security headers', () => {
    it('sets the helmet headers and hides the framework when answering', async () => {
      const response = await request(testApp.server).get('/health/live');

      expect(response.headers).toMatchObject({
        'content-security-policy': expect.stringContaining("default-src 'self'"),
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'SAMEORIGIN',
        'referrer-policy': 'no-referrer',
        'cross-origin-opener-policy': 'same-origin',
      });
      expect(response.headers['x-powered-by']).toBeUndefined();
    });

    it('leaves out the https-only headers when PUBLIC_URL is plain http', async () => {
      const response = await request(testApp.server).get('/health/live');

      expect(testApp.config.app.publicUrl).toMatch(/^http:/);
      expect(response.headers['strict-transport-security']).toBeUndefined();
      expect(response.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    });

    it('sets the helmet headers on error answers too', async () => {
      const response = await request(testApp.server).get('/no/such/route');

      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['content-security-policy']).toBeDefined();
    });
  });
});
