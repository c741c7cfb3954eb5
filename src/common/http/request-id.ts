import type { NextFunction, Request, Response } from 'express';
import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';

const ACCEPTABLE_ID = /^[A-Za-z0-9._-]{1,64}$/;

type WithId = IncomingMessage & { id?: string };

/**
 * Gives every request an id before anything else runs (even body parsing, whose errors are answered with
 * it): a sane incoming `x-request-id` is kept, otherwise a new one is made. Echoed in the response header.
 */
export function requestIdMiddleware(req: Request, res: Response, next: NextFunction): void {
  res.setHeader('x-request-id', requestIdOf(req));
  next();
}

export function requestIdOf(req: IncomingMessage): string {
  const request = req as WithId;
  if (!request.id) {
    const incoming = req.headers['x-request-id'];
    request.id = typeof incoming === 'string' && ACCEPTABLE_ID.test(incoming) ? incoming : randomUUID();
  }
  return request.id;
}
