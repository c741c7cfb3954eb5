import { ForbiddenException, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { parse as parseCookies } from 'cookie';
import { InjectConfig, type AppConfig } from '../../config';
import { SESSION_COOKIE } from './session.service';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Defence in depth against cross-site request forgery, on top of the session cookie's SameSite=Lax: a request
 * that changes something and carries the session cookie must come from this site's own pages, as the browser
 * tells with `Sec-Fetch-Site` (or, from an older browser, `Origin`). A request with neither header is not from a
 * browser's page and passes: it needs the cookie's value itself.
 */
@Injectable()
export class SameOriginGuard implements CanActivate {
  private readonly publicOrigin: string;

  constructor(@InjectConfig('app') app: AppConfig) {
    this.publicOrigin = new URL(app.publicUrl).origin;
  }

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') {
      return true;
    }
    const req = context.switchToHttp().getRequest<Request>();
    if (SAFE_METHODS.has(req.method) || !(SESSION_COOKIE in parseCookies(req.headers.cookie ?? ''))) {
      return true;
    }
    if (!this.fromOwnPage(req)) {
      throw new ForbiddenException('Cross-site request refused: use the dashboard of this site');
    }
    return true;
  }

  /**
   * `Sec-Fetch-Site` cannot be set by a page and is sent by every current browser, so it decides when present.
   * Only without it does `Origin` count, and not when it is `null`: with `Referrer-Policy: no-referrer` (which
   * this app sends) browsers send `Origin: null` even for a form on the site's own page.
   */
  private fromOwnPage(req: Request): boolean {
    const fetchSite = req.headers['sec-fetch-site'];
    if (fetchSite !== undefined) {
      return fetchSite === 'same-origin' || fetchSite === 'none';
    }
    const origin = req.headers.origin;
    return (
      origin === undefined ||
      origin === 'null' ||
      origin === this.publicOrigin ||
      origin === `${req.protocol}://${req.headers.host}`
    );
  }
}
