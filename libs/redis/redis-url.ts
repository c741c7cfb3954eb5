/** The URL with its password (and user) replaced, safe for logs and error messages. */
export function maskRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) {
      parsed.password = '***';
    }
    if (parsed.username && parsed.username !== 'default') {
      parsed.username = '***';
    }
    return parsed.toString();
  } catch {
    return '<unparseable REDIS_URL>';
  }
}
