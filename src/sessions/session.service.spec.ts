import type { AppConfig } from '../../config';
import type { Request, Response } from 'express';
import { Keyring } from '../security/keyring';
import { ManualClock } from '../../test/support/manual-clock';
import { SESSION_COOKIE, SessionService } from './session.service';

function issuedCookie(sut: SessionService, streamerId: string): string {
  const headers: string[] = [];
  sut.start(
    { append: (_name: string, value: string) => headers.push(value) } as unknown as Response,
    streamerId,
  );
  return headers[0];
}

function requestWith(setCookie: string): Request {
  return { headers: { cookie: setCookie.split(';')[0] } } as Request;
}

describe(SessionService.name, () => {
  const day = 24 * 3_600_000;
  let clock: ManualClock;
  let sut: SessionService;

  function service(publicUrl = 'http://localhost:3000', key = Buffer.alloc(32, 5)): SessionService {
    return new SessionService(
      new Keyring(key),
      { sessionTtlMs: 30 * day },
      { publicUrl } as AppConfig,
      clock,
    );
  }

  beforeEach(() => {
    clock = new ManualClock(1_700_000_000_000);
    sut = service();
  });

  it('sets an HttpOnly, SameSite=Lax cookie that names the streamer', () => {
    const cookie = issuedCookie(sut, 'streamer-1');

    expect(cookie).toMatch(new RegExp(`^${SESSION_COOKIE}=v1\\.streamer-1\\.\\d+\\.[\\w-]+;`));
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Lax');
    expect(cookie).toContain(`Max-Age=${30 * 24 * 3600}`);
    expect(cookie).not.toContain('Secure');
    expect(sut.streamerId(requestWith(cookie))).toBe('streamer-1');
  });

  it('marks the cookie Secure when the public URL is https', () => {
    expect(issuedCookie(service('https://alerts.example.com'), 's')).toContain('Secure');
  });

  it('rejects a cookie whose streamer id was changed, one signed with another key, and an expired one', () => {
    const cookie = issuedCookie(sut, 'streamer-1');

    expect(sut.streamerId(requestWith(cookie.replace('streamer-1', 'streamer-2')))).toBeNull();
    expect(service(undefined, Buffer.alloc(32, 6)).streamerId(requestWith(cookie))).toBeNull();
    clock.advance(30 * day);
    expect(sut.streamerId(requestWith(cookie))).toBeNull();
  });

  it('ignores missing and malformed cookies', () => {
    expect(sut.streamerId({ headers: {} } as Request)).toBeNull();
    expect(sut.streamerId(requestWith(`${SESSION_COOKIE}=garbage`))).toBeNull();
  });
});
