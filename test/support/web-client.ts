/** A cookie as the jar keeps it, attributes included so tests can assert how the app set it. */
export interface StoredCookie {
  name: string;
  value: string;
  path: string;
  /** Undefined for a session cookie. */
  expires?: Date;
  httpOnly: boolean;
  secure: boolean;
  /** As the server spelled it (`Lax`, `Strict`, `None`), undefined when absent. */
  sameSite?: string;
}

export interface WebResponse {
  status: number;
  /** The URL that answered. */
  url: string;
  headers: Headers;
  text: string;
  /** The Location header resolved against `url`, when there is one. */
  location?: string;
}

export interface FollowedResponse extends WebResponse {
  /** Every URL requested, in order: the first one, each redirect target, and `url` last. */
  hops: string[];
}

export interface RequestOptions {
  headers?: Record<string, string>;
}

export interface FollowOptions extends RequestOptions {
  /** Redirects to follow before giving up with an error (default 10). */
  maxHops?: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * A small browser on Node's fetch: never follows redirects by itself, keeps cookies per origin (host and
 * port, unlike a real browser, which shares them across ports) and by name (one Path per name), and follows
 * redirects across hosts on request. Relative URLs resolve against `baseUrl`.
 */
export class WebClient {
  private readonly jar = new Map<string, Map<string, StoredCookie>>();

  constructor(private readonly baseUrl?: string) {}

  get(url: string, options: RequestOptions = {}): Promise<WebResponse> {
    return this.request('GET', this.resolve(url), undefined, options.headers);
  }

  /** A form submission (`application/x-www-form-urlencoded`), or an empty POST without `form`. */
  post(url: string, form?: Record<string, string>, options: RequestOptions = {}): Promise<WebResponse> {
    return this.request('POST', this.resolve(url), form && new URLSearchParams(form).toString(), {
      ...(form && { 'content-type': 'application/x-www-form-urlencoded' }),
      ...options.headers,
    });
  }

  /** GETs `url` and follows 301/302/303/307/308 wherever they lead; the last response is not a redirect. */
  async follow(url: string, { maxHops = 10, headers }: FollowOptions = {}): Promise<FollowedResponse> {
    const hops = [this.resolve(url)];
    let response = await this.request('GET', hops[0], undefined, headers);
    while (REDIRECTS.has(response.status)) {
      if (response.location === undefined) {
        throw new Error(`${response.status} without a Location header from ${response.url}`);
      }
      if (hops.length - 1 >= maxHops) {
        throw new Error(`More than ${maxHops} redirects:\n${hops.join('\n')}`);
      }
      hops.push(response.location);
      response = await this.request('GET', response.location, undefined, headers);
    }
    return { ...response, hops };
  }

  /** The cookie the jar holds for `origin` (e.g. `http://127.0.0.1:3000`), expired ones excluded. */
  cookie(origin: string, name: string): StoredCookie | undefined {
    const cookie = this.jar.get(new URL(origin).origin)?.get(name);
    return cookie && !isExpired(cookie) ? { ...cookie } : undefined;
  }

  /** Every live cookie the jar holds for `origin`. */
  cookies(origin: string): StoredCookie[] {
    return [...(this.jar.get(new URL(origin).origin)?.values() ?? [])]
      .filter((cookie) => !isExpired(cookie))
      .map((cookie) => ({ ...cookie }));
  }

  clearCookies(): void {
    this.jar.clear();
  }

  private async request(
    method: string,
    url: string,
    body: string | undefined,
    headers: Record<string, string> = {},
  ): Promise<WebResponse> {
    const target = new URL(url);
    const cookieHeader = this.cookieHeaderFor(target);
    const response = await fetch(target, {
      method,
      body,
      redirect: 'manual',
      headers: { ...(cookieHeader && { cookie: cookieHeader }), ...headers },
    });
    for (const line of response.headers.getSetCookie()) {
      this.store(target, line);
    }
    const location = response.headers.get('location');
    return {
      status: response.status,
      url: target.toString(),
      headers: response.headers,
      text: await response.text(),
      ...(location !== null && { location: new URL(location, target).toString() }),
    };
  }

  private resolve(url: string): string {
    return new URL(url, this.baseUrl).toString();
  }

  private cookieHeaderFor(target: URL): string | undefined {
    const jar = this.jar.get(target.origin);
    if (!jar) {
      return undefined;
    }
    const pairs = [...jar.values()]
      .filter((cookie) => !isExpired(cookie) && pathMatches(target.pathname, cookie.path))
      .sort((a, b) => b.path.length - a.path.length)
      .map((cookie) => `${cookie.name}=${cookie.value}`);
    return pairs.length > 0 ? pairs.join('; ') : undefined;
  }

  private store(from: URL, line: string): void {
    const cookie = parseSetCookie(line, from);
    if (!cookie) {
      return;
    }
    const jar = this.jar.get(from.origin) ?? new Map<string, StoredCookie>();
    this.jar.set(from.origin, jar);
    if (isExpired(cookie)) {
      jar.delete(cookie.name);
    } else {
      jar.set(cookie.name, cookie);
    }
  }
}

/** RFC 6265 §5.2, without Domain (the jar is per origin): Max-Age wins over Expires. */
export function parseSetCookie(line: string, from: URL): StoredCookie | undefined {
  const [pair, ...attributes] = line.split(';');
  const separator = pair.indexOf('=');
  if (separator <= 0) {
    return undefined;
  }
  const cookie: StoredCookie = {
    name: pair.slice(0, separator).trim(),
    value: pair.slice(separator + 1).trim(),
    path: defaultPath(from.pathname),
    httpOnly: false,
    secure: false,
  };
  let maxAge: number | undefined;
  for (const attribute of attributes) {
    const [rawName, ...rest] = attribute.split('=');
    const name = rawName.trim().toLowerCase();
    const value = rest.join('=').trim();
    if (name === 'path' && value.startsWith('/')) {
      cookie.path = value;
    } else if (name === 'max-age' && /^-?\d+$/.test(value)) {
      maxAge = Number(value);
    } else if (name === 'expires' && !Number.isNaN(Date.parse(value))) {
      cookie.expires = new Date(value);
    } else if (name === 'httponly') {
      cookie.httpOnly = true;
    } else if (name === 'secure') {
      cookie.secure = true;
    } else if (name === 'samesite') {
      cookie.sameSite = value;
    }
  }
  if (maxAge !== undefined) {
    cookie.expires = new Date(maxAge <= 0 ? 0 : Date.now() + maxAge * 1000);
  }
  return cookie;
}

function isExpired(cookie: StoredCookie): boolean {
  return cookie.expires !== undefined && cookie.expires.getTime() <= Date.now();
}

function defaultPath(requestPath: string): string {
  const lastSlash = requestPath.lastIndexOf('/');
  return lastSlash <= 0 ? '/' : requestPath.slice(0, lastSlash);
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  return (
    requestPath === cookiePath ||
    (requestPath.startsWith(cookiePath) &&
      (cookiePath.endsWith('/') || requestPath.charAt(cookiePath.length) === '/'))
  );
}
