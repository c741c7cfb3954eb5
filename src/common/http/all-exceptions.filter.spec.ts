import {
  BadRequestException,
  Controller,
  Get,
  ServiceUnavailableException,
  type INestApplication,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { AllExceptionsFilter } from './all-exceptions.filter';
import { requestIdMiddleware } from './request-id';

@Controller('boom')
class ThrowingController {
  @Get('error')
  plainError(): never {
    throw new Error('connect ECONNREFUSED 10.0.0.5:5432 at /srv/app/dist/src/secret.js:12');
  }

  @Get('string')
  thrownString(): never {
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- the filter must cope with non-Error throws
    throw 'password=hunter2';
  }

  @Get('async')
  async rejected(): Promise<never> {
    await Promise.resolve();
    throw new TypeError("Cannot read properties of undefined (reading 'id')");
  }

  @Get('bad-request')
  badRequest(): never {
    throw new BadRequestException({ statusCode: 400, message: 'Validation failed', errors: { a: ['bad'] } });
  }

  @Get('unavailable')
  unavailable(): never {
    throw new ServiceUnavailableException('Admin API is disabled');
  }

  @Get('too-large')
  tooLarge(): never {
    throw Object.assign(new Error('request entity too large: 2048 > 1024'), {
      type: 'entity.too.large',
      status: 413,
    });
  }

  @Get('parser-5xx')
  parserServerError(): never {
    throw Object.assign(new Error('stream not readable'), { type: 'stream.not.readable', status: 500 });
  }
}

describe(AllExceptionsFilter.name, () => {
  let app: INestApplication;

  beforeAll(async () => {
    const module = await Test.createTestingModule({ controllers: [ThrowingController] }).compile();
    app = module.createNestApplication({ logger: false });
    app.use(requestIdMiddleware);
    app.useGlobalFilters(new AllExceptionsFilter());
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
  });

  it('answers a generic 500 with the request id only when a plain Error is thrown', async () => {
    const response = await request(app.getHttpServer()).get('/boom/error').set('x-request-id', 'req-500');

    expect(response.status).toBe(500);
    expect(response.body).toEqual({
      statusCode: 500,
      message: 'Internal server error',
      requestId: 'req-500',
    });
    expect(response.text).not.toMatch(/ECONNREFUSED|secret\.js|\/srv\/|stack/);
  });

  it('answers a generic 500 when a non-Error value is thrown', async () => {
    const response = await request(app.getHttpServer()).get('/boom/string');

    expect(response.status).toBe(500);
    expect(response.body).toEqual({
      statusCode: 500,
      message: 'Internal server error',
      requestId: response.headers['x-request-id'],
    });
    expect(response.text).not.toContain('hunter2');
  });

  it('answers a generic 500 when an async handler rejects', async () => {
    const response = await request(app.getHttpServer()).get('/boom/async').set('x-request-id', 'req-async');

    expect(response.status).toBe(500);
    expect(response.body).toEqual({
      statusCode: 500,
      message: 'Internal server error',
      requestId: 'req-async',
    });
  });

  it('keeps the status and body of an HttpException when it is a client error', async () => {
    const response = await request(app.getHttpServer())
      .get('/boom/bad-request')
      .set('x-request-id', 'req-400');

    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      statusCode: 400,
      message: 'Validation failed',
      errors: { a: ['bad'] },
      requestId: 'req-400',
    });
  });

  it('keeps the status and message of an HttpException when it is a server error', async () => {
    const response = await request(app.getHttpServer())
      .get('/boom/unavailable')
      .set('x-request-id', 'req-503');

    expect(response.status).toBe(503);
    expect(response.body).toMatchObject({
      statusCode: 503,
      message: 'Admin API is disabled',
      requestId: 'req-503',
    });
  });

  it('answers a clean 4xx when a body-parser error reaches it', async () => {
    const response = await request(app.getHttpServer()).get('/boom/too-large').set('x-request-id', 'req-413');

    expect(response.status).toBe(413);
    expect(response.body).toEqual({
      statusCode: 413,
      message: 'Request body too large',
      requestId: 'req-413',
    });
  });

  it('answers a generic 500 when a body-parser style error carries a server status', async () => {
    const response = await request(app.getHttpServer()).get('/boom/parser-5xx');

    expect(response.status).toBe(500);
    expect(response.body).toMatchObject({ statusCode: 500, message: 'Internal server error' });
    expect(response.text).not.toContain('stream not readable');
  });
});
