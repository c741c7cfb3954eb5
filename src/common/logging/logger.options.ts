import type { Params } from 'nestjs-pino';
import type { IncomingMessage } from 'node:http';
import type { AppConfig } from '../../../config';
import { requestIdOf } from '../http/request-id';
import { redactUrl } from './redact-url';

/** Secret-bearing fields wherever they appear in a log line (pino paths, one wildcard level). */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-da-signature"]',
  'req.headers["webhook-signature"]',
  'res.headers["set-cookie"]',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.access_token',
  '*.refresh_token',
  '*.secret',
  '*.password',
  '*.apiKey',
];

export function buildLoggerParams(app: AppConfig): Params {
  return {
    pinoHttp: {
      level: app.logLevel,
      // Pretty lines read `[context] message`, as Nest's own logger prints them; JSON keeps `context` a field.
      transport:
        app.logFormat === 'pretty'
          ? {
              target: 'pino-pretty',
              options: {
                singleLine: true,
                messageFormat: '{if context}[{context}] {end}{msg}',
                ignore: 'pid,hostname,context',
              },
            }
          : undefined,
      redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
      genReqId: (req: IncomingMessage) => requestIdOf(req),
      serializers: {
        req: (req: { id: string; method: string; url: string; headers: Record<string, unknown> }) => ({
          id: req.id,
          method: req.method,
          url: redactUrl(req.url),
          userAgent: req.headers['user-agent'],
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      customLogLevel: (_req, res, error) =>
        error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
      autoLogging: { ignore: (req) => req.url === '/health/live' || req.url === '/metrics' },
      base: { instance: undefined },
    },
  };
}
