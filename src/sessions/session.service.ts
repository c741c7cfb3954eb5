import { Injectable } from '@nestjs/common';
import { parse as parseCookies, serialize as serializeCookie } from 'cookie';
import type { Request, Response } from 'express';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { InjectConfig, type AppConfig, type SecurityConfig } from '../../config';
import { Clock } from '../../libs/clock';
import { Keyring } from '../security';

export const SESSION_COOKIE = 'da_session';
/** Ties an OAuth login to the browser that started it, so a callback URL planted in another browser fails. */
export const LOGIN_BINDING_COOKIE = 'da_login';
const LOGIN_BINDING_MAX_AGE_S = 600;

/**
 * Stateless sessions: a signed, HttpOnly, SameSite=Lax cookie `v1.<streamerId>.<expiresAt>.<hmac>`. Every
 * instance sharing the key accepts it; nothing lives in memory.
 */
@Injectable()
export class SessionService {
  private readonly key: Buffer;
  private readonly ttlMs: number;
  private readonly secure: boolean;

  constructor(
    keyring: Keyring,
    @InjectConfig('security') security: SecurityConfig,
    @InjectConfig('app') app: AppConfig,
    private readonly clock: Clock,
  ) {
    this.key = keyring.sessionSigningKey;
    this.ttlMs = security.sessionTtlMs;
    this.secure = app.publicUrl.startsWith('https://');
  }

  start(res: Response, streamerId: string): void {
    const expiresAt = this.clock.now() + this.ttlMs;
    const payload = `v1.${streamerId}.${expiresAt}`;
    this.setCookie(
      res,
      SESSION_COOKIE,
      `${payload}.${this.sign(payload)}`,
      '/',
      Math.floor(this.ttlMs / 1000),
    );
  }

  end(res: Response): void {
    this.setCookie(res, SESSION_COOKIE, '', '/', 0);
  }

  /** Gives the browser a fresh random login binding (cookie) and returns it, to be kept with the OAuth state. */
  bindLogin(res: Response): string {
    const binding = randomBytes(18).toString('base64url');
    this.setCookie(res, LOGIN_BINDING_COOKIE, binding, '/auth', LOGIN_BINDING_MAX_AGE_S);
    return binding;
  }

  loginBinding(req: Request): string | null {
    return parseCookies(req.headers.cookie ?? '')[LOGIN_BINDING_COOKIE] ?? null;
  }

  clearLoginBinding(res: Response): void {
    this.setCookie(res, LOGIN_BINDING_COOKIE, '', '/auth', 0);
  }

  /** The streamer id of a valid, unexpired session cookie, else null. */
  streamerId(req: Request): string | null {
    const raw = parseCookies(req.headers.cookie ?? '')[SESSION_COOKIE];
    const parts = raw?.split('.');
    if (parts?.length !== 4 || parts[0] !== 'v1') {
      return null;
    }
    const [version, streamerId, expiresAt, signature] = parts;
    const expected = Buffer.from(this.sign(`${version}.${streamerId}.${expiresAt}`));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return null;
    }
    return Number(expiresAt) > this.clock.now() ? streamerId : null;
  }

  /** Every cookie of ours: HttpOnly, SameSite=Lax, Secure when the service is published over https. */
  private setCookie(res: Response, name: string, value: string, path: string, maxAgeSeconds: number): void {
    res.append(
      'Set-Cookie',
      serializeCookie(name, value, {
        httpOnly: true,
        sameSite: 'lax',
        secure: this.secure,
        path,
        maxAge: maxAgeSeconds,
      }),
    );
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }
}
