import {
  applyDecorators,
  Catch,
  createParamDecorator,
  SetMetadata,
  UseFilters,
  UseGuards,
  type ArgumentsHost,
  type ExceptionFilter,
  type ExecutionContext,
} from '@nestjs/common';
import { ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Response } from 'express';
import {
  LoginRequiredRedirect,
  StreamerSessionGuard,
  WITHOUT_SESSION,
  type StreamerRequest,
  type WithoutSession,
} from './streamer-session.guard';

@Catch(LoginRequiredRedirect)
export class RedirectHomeFilter implements ExceptionFilter {
  catch(_error: LoginRequiredRedirect, host: ArgumentsHost): void {
    host.switchToHttp().getResponse<Response>().redirect(303, '/');
  }
}

/**
 * Marks a route (or controller) as the logged-in streamer's: the session guard reads the cookie and, without a
 * valid session, answers 401, redirects to the landing page, or lets the route run with a `null` streamer.
 */
export function StreamerSession(without: WithoutSession = 'unauthorized'): ClassDecorator & MethodDecorator {
  const decorators = [SetMetadata(WITHOUT_SESSION, without), UseGuards(StreamerSessionGuard)];
  if (without === 'redirect-home') {
    decorators.push(UseFilters(RedirectHomeFilter));
  }
  if (without === 'unauthorized') {
    decorators.push(ApiUnauthorizedResponse({ description: 'No valid session: log in first' }));
  }
  return applyDecorators(...decorators);
}

/**
 * The logged-in streamer's id, as `@StreamerSession()` found it: always a string on routes that require a
 * session, `null` without one on `@StreamerSession('continue')` routes.
 */
export const CurrentStreamer = createParamDecorator(
  (_data: unknown, context: ExecutionContext): string | null =>
    context.switchToHttp().getRequest<StreamerRequest>().streamerId ?? null,
);
