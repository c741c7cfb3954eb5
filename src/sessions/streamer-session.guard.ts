import { Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { SessionService } from './session.service';

/** What a route does for a request without a valid session. */
export type WithoutSession =
  /** API routes: 401. */
  | 'unauthorized'
  /** Pages: 303 to the landing page, where the streamer can log in. */
  | 'redirect-home'
  /** The route runs anyway and sees `null` as the streamer. */
  | 'continue';

export const WITHOUT_SESSION = 'streamer-session:without';

/** Thrown for a page without a session; `RedirectHomeFilter` answers it with a redirect. */
export class LoginRequiredRedirect extends Error {
  constructor() {
    super('Log in first');
    this.name = 'LoginRequiredRedirect';
  }
}

/** The request with the streamer the guard found in its session cookie. */
export interface StreamerRequest extends Request {
  streamerId?: string | null;
}

/** Reads the signed session cookie once per request and decides by the route's `@StreamerSession()` mode. */
@Injectable()
export class StreamerSessionGuard implements CanActivate {
  constructor(
    private readonly sessions: SessionService,
    private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<StreamerRequest>();
    req.streamerId = this.sessions.streamerId(req);
    if (req.streamerId !== null) {
      return true;
    }
    const without = this.reflector.getAllAndOverride<WithoutSession | undefined>(WITHOUT_SESSION, [
      context.getHandler(),
      context.getClass(),
    ]);
    switch (without ?? 'unauthorized') {
      case 'continue':
        return true;
      case 'redirect-home':
        throw new LoginRequiredRedirect();
      case 'unauthorized':
        throw new UnauthorizedException('Log in first');
    }
  }
}
