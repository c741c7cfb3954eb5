import request from 'supertest';
import { bootTestApp, type TestApp } from './support/app';
import { createTestDatabase, type TestDatabase } from './support/databases';

describe('smoke', () => {
  let database: TestDatabase;
  let testApp: TestApp;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    testApp = await bootTestApp({ ...database.env });
  });

  afterAll(async () => {
    await testApp?.close();
    await database?.drop();
  });

  it('serves /health', async () => {
    const response = await request(testApp.server).get('/health');
    expect(response.status).toBe(200);
  });
});
