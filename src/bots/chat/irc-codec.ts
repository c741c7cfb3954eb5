/**
 * IRC lines (RFC 1459 framing) with IRCv3 message tags, as Twitch chat speaks them:
 * `[@tags ][:prefix ]COMMAND[ param…][ :trailing]`. Pure functions, no I/O.
 */
export interface IrcMessage {
  /** IRCv3 tags, values unescaped; a tag sent without `=` has the value ''. */
  tags: Record<string, string>;
  /** The source without its ':' (`nick!user@host` or a server name); absent in what clients send. */
  prefix?: string;
  /** Upper case (`PRIVMSG`, `001`). */
  command: string;
  /** Every parameter, the trailing one last. */
  params: string[];
  /**
   * The last parameter was (or is to be) written after ':'. Parsing sets it; serializing adds the ':' anyway
   * when the last parameter needs it (empty, a space, or a leading ':').
   */
  trailing?: boolean;
}

export interface IrcPrefix {
  nick?: string;
  user?: string;
  host: string;
}

/** A message that cannot go on the wire as given (a line break in a parameter would start a new command). */
export class IrcFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = IrcFormatError.name;
  }
}

const TAG_ESCAPES: Record<string, string> = {
  ';': '\\:',
  ' ': '\\s',
  '\\': '\\\\',
  '\r': '\\r',
  '\n': '\\n',
};
const TAG_UNESCAPES: Record<string, string> = { ':': ';', s: ' ', '\\': '\\', r: '\r', n: '\n' };

export function escapeTagValue(value: string): string {
  return value.replace(/[; \\\r\n]/g, (char) => TAG_ESCAPES[char]);
}

/** IRCv3: `\:` `\s` `\\` `\r` `\n`; any other escaped character stands for itself; a lone final `\` is dropped. */
export function unescapeTagValue(value: string): string {
  return value.replace(/\\(.?)/gs, (_match, char: string) => TAG_UNESCAPES[char] ?? char);
}

/** One line without its line ending; undefined for a blank line or one without a command. */
export function parseIrcLine(line: string): IrcMessage | undefined {
  let rest = line.replace(/[\r\n]+$/, '');
  const tags: Record<string, string> = {};
  if (rest.startsWith('@')) {
    const [raw, after] = splitWord(rest.slice(1));
    rest = after;
    for (const pair of raw.split(';')) {
      if (pair === '') {
        continue;
      }
      const equals = pair.indexOf('=');
      const key = equals < 0 ? pair : pair.slice(0, equals);
      tags[key] = equals < 0 ? '' : unescapeTagValue(pair.slice(equals + 1));
    }
  }
  let prefix: string | undefined;
  if (rest.startsWith(':')) {
    [prefix, rest] = splitWord(rest.slice(1));
  }
  const [command, afterCommand] = splitWord(rest);
  if (command === '') {
    return undefined;
  }
  const params: string[] = [];
  let trailing = false;
  rest = afterCommand;
  while (rest !== '') {
    if (rest.startsWith(':')) {
      params.push(rest.slice(1));
      trailing = true;
      break;
    }
    const [param, after] = splitWord(rest);
    params.push(param);
    rest = after;
  }
  const message: IrcMessage = { tags, command: command.toUpperCase(), params };
  if (prefix !== undefined) {
    message.prefix = prefix;
  }
  if (trailing) {
    message.trailing = true;
  }
  return message;
}

/** A WebSocket frame may carry several lines, each ended by `\r\n` (a bare `\n` is accepted too). */
export function parseIrcFrame(frame: string): IrcMessage[] {
  return frame
    .split(/\r?\n/)
    .map((line) => parseIrcLine(line))
    .filter((message): message is IrcMessage => message !== undefined);
}

/** One line without its line ending; throws `IrcFormatError` for what cannot be written. */
export function serializeIrcMessage(message: IrcMessage): string {
  const parts: string[] = [];
  const tags = Object.entries(message.tags);
  if (tags.length > 0) {
    parts.push(
      `@${tags.map(([key, value]) => `${checkWord(key, 'tag key')}=${escapeTagValue(value)}`).join(';')}`,
    );
  }
  if (message.prefix !== undefined) {
    parts.push(`:${checkWord(message.prefix, 'prefix')}`);
  }
  if (!/^[A-Za-z]+$|^\d{3}$/.test(message.command)) {
    throw new IrcFormatError(`not an IRC command: ${JSON.stringify(message.command)}`);
  }
  parts.push(message.command.toUpperCase());
  message.params.forEach((param, index) => {
    checkNoLineBreak(param, 'parameter');
    const last = index === message.params.length - 1;
    if (!last) {
      parts.push(checkWord(param, 'middle parameter'));
    } else if (message.trailing || param === '' || param.includes(' ') || param.startsWith(':')) {
      parts.push(`:${param}`);
    } else {
      parts.push(param);
    }
  });
  return parts.join(' ');
}

/** `nick!user@host` → its parts; a bare server name is the host. */
export function parseIrcPrefix(prefix: string): IrcPrefix {
  const match = /^([^!@]+)(?:!([^@]*))?@(.+)$/.exec(prefix);
  if (match) {
    return { nick: match[1], ...(match[2] === undefined ? {} : { user: match[2] }), host: match[3] };
  }
  return prefix.includes('.') ? { host: prefix } : { nick: prefix, host: prefix };
}

function splitWord(text: string): [string, string] {
  const space = text.indexOf(' ');
  return space < 0 ? [text, ''] : [text.slice(0, space), text.slice(space + 1).replace(/^ +/, '')];
}

function checkWord(value: string, what: string): string {
  checkNoLineBreak(value, what);
  const badStart = what === 'middle parameter' && value.startsWith(':');
  const badKey = what === 'tag key' && /[=;]/.test(value);
  if (value === '' || value.includes(' ') || badStart || badKey) {
    throw new IrcFormatError(`invalid ${what}: ${JSON.stringify(value)}`);
  }
  return value;
}

function checkNoLineBreak(value: string, what: string): void {
  if (/[\r\n\0]/.test(value)) {
    throw new IrcFormatError(`${what} contains a line break or NUL: ${JSON.stringify(value)}`);
  }
}
