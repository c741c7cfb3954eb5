import request from 'supertest';
import { maskRedisUrl, RedisConnection } from '../libs/redis';
import { RedisHealthIndicator } from '../src/health/redis.health';
import { bootApp, type TestApp } from './support/app';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './support/databases';
import { clearRedisPrefix, testRedisConfig } from './support/redis';
import { TEST_REDIS_URL } from './support/services';

describe(RedisHealthIndicator.name, () => {
  describe.each(DATABASE_KINDS)('with Redis reachable and required, on %s', (kind) => {
    const redis = testRedisConfig();
    let database: TestDatabase;
    let testApp: TestApp;

    beforeAll(async () => {
      database = await createTestDatabase(kind);
      testApp = await bootApp({
        ...database.env,
        LOG_LEVEL: 'fatal',
        REDIS_URL: TEST_REDIS_URL,
        REDIS_KEY_PREFIX: redis.keyPrefix,
        REDIS_REQUIRED: 'true',
      });
    });

    afterAll(async () => {
      await testApp?.close();
      await database?.drop();
      await clearRedisPrefix(redis.keyPrefix);
    });

    it('reports Redis up and the cluster on Redis locks and events when Redis answers', async () => {
      const response = await request(testApp.server).get('/health');

      expect(response.status).toBe(200);
      expect(response.body.status).toBe('ok');
      expect(response.body.details).toMatchObject({
        database: { status: 'up' },
        redis: {
          status: 'up',
          mode: 'redis',
          url: maskRedisUrl(TEST_REDIS_URL),
          latencyMs: expect.any(Number),
        },
        cluster: { status: 'up', locks: 'redis', events: 'redis' },
      });
    });

    it('reports ready when the database and Redis answer', async () => {
      const response = await request(testApp.server).get('/health/ready');

      expect(response.status).toBe(200);
      expect(response.body.status).toBe('ok');
      expect(response.body.details.redis).toMatchObject({ status: 'up', mode: 'redis' });
    });
  });

  describe.each([
    ['required', 'true', 503, 'error', 'down'],
    ['optional', 'false', 200, 'degraded', 'degraded'],
  ])(
    'when Redis is %s and its connection drops after start',
    (_label, required, status, overall, redisStatus) => {
      const redis = testRedisConfig();
      let database: TestDatabase;
      let testApp: TestApp;

      beforeAll(async () => {
        database = await createTestDatabase('sqlite');
        testApp = await bootApp({
          ...database.env,
          LOG_LEVEL: 'fatal',
          REDIS_URL: TEST_REDIS_URL,
          REDIS_KEY_PREFIX: redis.keyPrefix,
          REDIS_REQUIRED: required,
        });
        testApp.app.get(RedisConnection).client!.disconnect();
      });

      afterAll(async () => {
        await testApp?.close();
        await database?.drop();
        await clearRedisPrefix(redis.keyPrefix);
      });

      it(`answers /health with ${status}, saying Redis is ${redisStatus}`, async () => {
        const response = await request(testApp.server).get('/health');

        expect(response.status).toBe(status);
        expect(response.body).toMatchObject({
          status: overall,
          details: {
            database: { status: 'up' },
            redis: {
              status: redisStatus,
              mode: 'redis',
              url: maskRedisUrl(TEST_REDIS_URL),
              message: expect.any(String),
            },
          },
        });
      });

      it(`answers /health/ready with ${status}`, async () => {
        const response = await request(testApp.server).get('/health/ready');

        expect(response.status).toBe(status);
      });

      it('keeps answering /health/live with 200', async () => {
        const response = await request(testApp.server).get('/health/live');

        expect(response.status).toBe(200);
      });
    },
  );
});
