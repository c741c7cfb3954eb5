import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { raw, type NextFunction, type Request, type Response } from 'express';
import helmet, { type HelmetOptions } from 'helmet';
import { Logger } from 'nestjs-pino';
import type { AllConfig } from '../config';
import { AppModule } from './app.module';
import { ADMIN_BEARER } from './common';
import { AllExceptionsFilter } from './common';
import { ConnectionDrainer } from './common';
import { requestIdMiddleware } from './common';
import { createValidationPipe } from './common';
import { servePublicAssets } from './web';
import { WEBHOOK_BODY_LIMIT, WEBHOOK_PATH } from './webhooks';

/**
 * Helmet's defaults, except: images may come from https hosts (Twitch avatars), and the https-only rules
 * (upgrade-insecure-requests, HSTS) apply only when the service is published over https, so an overlay served
 * over plain http on a LAN keeps its stylesheet and scripts.
 */
function helmetOptions(publicUrl: string): HelmetOptions {
  const https = publicUrl.startsWith('https://');
  return {
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        'img-src': ["'self'", 'data:', 'https:'],
        'upgrade-insecure-requests': https ? [] : null,
      },
    },
    strictTransportSecurity: https,
  };
}

function setUpOpenApi(app: INestApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('DonationAlerts × Twitch backend')
      .setDescription(
        'Admin, health and integration routes. Admin routes need `Authorization: Bearer $ADMIN_API_KEY`.',
      )
      .setVersion('1')
      .addBearerAuth(
        { type: 'http', scheme: 'bearer', bearerFormat: 'opaque key', description: 'ADMIN_API_KEY' },
        ADMIN_BEARER,
      )
      .build(),
  );
  SwaggerModule.setup('docs', app, document);
}

/**
 * The signed webhook endpoint gets its body as raw bytes (signatures cover the exact bytes, and a JSON parser
 * would reject bad input before the endpoint can answer it properly); every other route parses JSON and forms.
 * Express matches routes case-insensitively and ignores a trailing slash, so the check does too.
 */
function useBodyParsers(app: NestExpressApplication, config: AllConfig): void {
  const webhookBody = raw({ type: () => true, limit: WEBHOOK_BODY_LIMIT });
  app.use((request: Request, response: Response, next: NextFunction) => {
    const path = request.path.replace(/\/+$/, '').toLowerCase();
    if (request.method === 'POST' && path === WEBHOOK_PATH) {
      webhookBody(request, response, next);
    } else {
      next();
    }
  });
  app.useBodyParser('json', { limit: config.app.bodyLimit });
  app.useBodyParser('urlencoded', { limit: config.app.bodyLimit, extended: false });
}

export interface CreatedApp {
  app: NestExpressApplication;
  /** Begins a graceful shutdown of the HTTP side: no new connections, keep-alive ones closed when idle. */
  drainer: ConnectionDrainer;
}

/** Builds the HTTP application (not yet listening) with every platform concern wired in. */
export async function createApp(config: AllConfig): Promise<CreatedApp> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    rawBody: true,
    bufferLogs: true,
    abortOnError: false,
    bodyParser: false,
  });
  app.useLogger(app.get(Logger));
  return { app, drainer: configureHttpPlatform(app, config) };
}

/**
 * Every platform concern around the modules: proxy trust, connection draining, request ids, security headers,
 * the pages' static assets, body parsers, validation, the error shape and the OpenAPI description. Returns the
 * drainer for shutdown.
 */
export function configureHttpPlatform(app: NestExpressApplication, config: AllConfig): ConnectionDrainer {
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback, linklocal, uniquelocal');
  const drainer = new ConnectionDrainer(app.getHttpServer());
  app.use(drainer.middleware);
  app.use(requestIdMiddleware);
  app.use(helmet(helmetOptions(config.app.publicUrl)));
  servePublicAssets(app);
  useBodyParsers(app, config);
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter());
  setUpOpenApi(app);
  return drainer;
}
