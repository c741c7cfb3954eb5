import { redactUrl } from './redact-url';

describe(redactUrl.name, () => {
  it('returns the URL unchanged when it carries no credentials', () => {
    expect(redactUrl('/health')).toBe('/health');
    expect(redactUrl('/api/admin/streamers?page=2&sort=login')).toBe(
      '/api/admin/streamers?page=2&sort=login',
    );
  });

  it.each([
    'code',
    'state',
    'token',
    'access_token',
    'refresh_token',
    'secret',
    'key',
    'api_key',
    'password',
  ])('replaces the %s query parameter when present', (name) => {
    expect(redactUrl(`/auth/twitch/callback?${name}=s3cr3t&scope=chat%3Aread`)).toBe(
      `/auth/twitch/callback?${name}=%5BREDACTED%5D&scope=chat%3Aread`,
    );
  });

  it('matches secret parameter names case-insensitively when they are mixed case', () => {
    const redacted = redactUrl('/overlay-events?lastEventId=42&Code=abc&TOKEN=def');

    expect(redacted).not.toMatch(/42|abc|def/);
    expect(new URLSearchParams(redacted.split('?')[1]).getAll('Code')).toEqual(['[REDACTED]']);
  });

  it('redacts every occurrence when a secret parameter is repeated', () => {
    expect(redactUrl('/x?token=a&token=b')).toBe('/x?token=%5BREDACTED%5D');
  });

  it('redacts a percent-encoded parameter name when it decodes to a secret one', () => {
    expect(redactUrl('/x?%63ode=abc')).toBe('/x?code=%5BREDACTED%5D');
  });

  it('replaces the overlay token when it is in the path', () => {
    expect(redactUrl('/overlay/0123456789abcdef')).toBe('/overlay/[REDACTED]');
    expect(redactUrl('/overlay/0123456789abcdef/events?x=1')).toBe('/overlay/[REDACTED]/events?x=1');
  });

  it('leaves other paths alone when they merely contain the word overlay', () => {
    expect(redactUrl('/api/overlay/settings')).toBe('/api/overlay/settings');
  });
});
