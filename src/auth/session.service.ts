import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { parse as parseCookies, serialize as serializeCookie } from 'cookie';
import type { Request, Response } from 'express';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AllConfig } from '../../config';
import { Clock } from '../../libs/clock';
import { Keyring } from '../security/keyring';

export const SESSION_COOKIE = 'da_session';

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
    config: ConfigService<AllConfig, true>,
    private readonly clock: Clock,
  ) {
    this.key = keyring.sessionSigningKey;
    this.ttlMs = config.get('security.sessionTtlMs', { infer: true });
    this.secure = config.get('app.publicUrl', { infer: true }).startsWith('https://');
  }

  start(res: Response, streamerId: string): void {
    const expiresAt = this.clock.now() + this.ttlMs;
    const payload = `v1.${streamerId}.${expiresAt}`;
    res.append(
      'Set-Cookie',
      serializeCookie(SESSION_COOKIE, `${payload}.${this.sign(payload)}`, {
        httpOnly: true,
        sameSite: 'lax',
        secure: this.secure,
        path: '/',
        maxAge: Math.floor(this.ttlMs / 1000),
      }),
    );
  }

  end(res: Response): void {
    res.append(
      'Set-Cookie',
      serializeCookie(SESSION_COOKIE, '', {
        httpOnly: true,
        sameSite: 'lax',
        secure: this.secure,
        path: '/',
        maxAge: 0,
      }),
    );
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

  private sign(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }
}
