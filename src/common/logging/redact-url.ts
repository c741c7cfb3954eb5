const SECRET_QUERY_PARAMS =
  /^(code|state|token|access_token|refresh_token|secret|key|api_key|password|lasteventid)$/i;
/** Path segments that are credentials in their own right, such as the overlay token in /overlay/<token>. */
const SECRET_PATHS = [/^(\/overlay\/)[^/?]+/];

/** The request URL with credentials in its path or query replaced, for logs. */
export function redactUrl(url: string): string {
  const [path, query] = url.split('?', 2);
  let safePath = path;
  for (const pattern of SECRET_PATHS) {
    safePath = safePath.replace(pattern, '$1[REDACTED]');
  }
  if (query === undefined) {
    return safePath;
  }
  const params = new URLSearchParams(query);
  for (const name of [...params.keys()]) {
    if (SECRET_QUERY_PARAMS.test(name)) {
      params.set(name, '[REDACTED]');
    }
  }
  return `${safePath}?${params.toString()}`;
}
