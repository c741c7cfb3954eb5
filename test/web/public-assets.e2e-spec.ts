import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { publicAssetsDir } from '../../src/web/public-assets';
import { bootApp, type TestApp } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/databases';
import { expectNoInternals } from '../support/http';

const ASSETS: [url: string, contentType: string][] = [
  ['/assets/overlay.js', 'text/javascript; charset=utf-8'],
  ['/assets/overlay.css', 'text/css; charset=utf-8'],
  ['/assets/dashboard.js', 'text/javascript; charset=utf-8'],
  ['/assets/app.css', 'text/css; charset=utf-8'],
];

describe('static assets under /assets/', () => {
  let database: TestDatabase;
  let testApp: TestApp;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    testApp = await bootApp({ ...database.env, LOG_LEVEL: 'error' });
  });

  afterAll(async () => {
    await testApp?.close();
    await database?.drop();
  });

  describe.each(ASSETS)('%s', (url, contentType) => {
    it('answers the file with its content type, an hour of caching, an ETag and the CSP', async () => {
      const response = await request(testApp.server).get(url);

      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe(contentType);
      expect(response.headers['cache-control']).toBe('public, max-age=3600');
      expect(response.headers.etag).toMatch(/^W\/".+"$/);
      expect(response.headers['last-modified']).toBeDefined();
      expect(response.headers['content-security-policy']).toContain("script-src 'self'");
      expect(response.text).toBe(readFileSync(join(publicAssetsDir(), url.slice('/assets/'.length)), 'utf8'));
    });

    it('answers 304 without a body when If-None-Match holds its ETag', async () => {
      const first = await request(testApp.server).get(url);

      const again = await request(testApp.server).get(url).set('If-None-Match', first.headers.etag);

      expect(again.status).toBe(304);
      expect(again.text).toBe('');
      expect(again.headers.etag).toBe(first.headers.etag);
      expect(again.headers['cache-control']).toBe('public, max-age=3600');
    });

    it('answers the file again when If-None-Match holds another ETag', async () => {
      const response = await request(testApp.server).get(url).set('If-None-Match', 'W/"stale"');

      expect(response.status).toBe(200);
      expect(response.text.length).toBeGreaterThan(0);
    });
  });

  it.each(['/assets/nope.js', '/assets/', '/assets/%2e%2e/package.json', '/assets/.hidden'])(
    'answers the JSON 404 for %s',
    async (url) => {
      const response = await request(testApp.server).get(url);

      expect(response.status).toBe(404);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.body).toMatchObject({ statusCode: 404, requestId: response.headers['x-request-id'] });
      expectNoInternals(response.text);
    },
  );

  it('answers 404 to a POST on an asset', async () => {
    const response = await request(testApp.server).post('/assets/overlay.js');

    expect(response.status).toBe(404);
  });
});
