import { randomUUID } from 'node:crypto';

/**
 * The IRC lines the fake Twitch chat reads and writes, kept apart from the app's own codec
 * (src/bots/chat/irc-codec.ts) on purpose: a fake that shared the client's parser would hide the client's bugs.
 */
export interface ClientCommand {
  command: string;
  params: string[];
}

export const TMI = 'tmi.twitch.tv';

/** What a client sends: tags (clients may send `@client-nonce`) and a prefix are ignored. */
export function parseClientLine(line: string): ClientCommand | undefined {
  let rest = line.trim();
  if (rest.startsWith('@')) {
    rest = rest.slice(rest.indexOf(' ') + 1 || rest.length).trimStart();
  }
  if (rest.startsWith(':')) {
    rest = rest.slice(rest.indexOf(' ') + 1 || rest.length).trimStart();
  }
  const colon = rest.indexOf(' :');
  const head = colon < 0 ? rest : rest.slice(0, colon);
  const words = head.split(' ').filter((word) => word !== '');
  if (words.length === 0) {
    return undefined;
  }
  const params = words.slice(1);
  if (colon >= 0) {
    params.push(rest.slice(colon + 2));
  }
  return { command: words[0].toUpperCase(), params };
}

const ESCAPES: Record<string, string> = { ';': '\\:', ' ': '\\s', '\\': '\\\\', '\r': '\\r', '\n': '\\n' };

/** A server line: `@tags` (when the connection asked for them), `:prefix`, command, params, trailing. */
export function serverLine(
  tags: Record<string, string> | undefined,
  prefix: string,
  command: string,
  params: string[],
  trailing?: string,
): string {
  const head = tags
    ? `@${Object.entries(tags)
        .map(([key, value]) => `${key}=${value.replace(/[; \\\r\n]/g, (char) => ESCAPES[char])}`)
        .join(';')} `
    : '';
  return `${head}:${prefix} ${[command, ...params].join(' ')}${trailing === undefined ? '' : ` :${trailing}`}`;
}

export function userPrefix(login: string): string {
  return `${login}!${login}@${login}.${TMI}`;
}

/** `#Chan` or `chan` → `chan` (Twitch channel names are lower-case logins). */
export function channelLogin(channel: string): string {
  return channel.replace(/^#/, '').toLowerCase();
}

export interface Badges {
  moderator: boolean;
  broadcaster: boolean;
}

export function badgesTag({ moderator, broadcaster }: Badges): string {
  return [broadcaster ? 'broadcaster/1' : '', moderator ? 'moderator/1' : ''].filter(Boolean).join(',');
}

/** 001–004 and the MOTD (375/372/376), as Twitch greets a login. */
export function welcomeLines(login: string): string[] {
  return [
    ['001', 'Welcome, GLHF!'],
    ['002', `Your host is ${TMI}`],
    ['003', 'This server is rather new'],
    ['004', '-'],
    ['375', '-'],
    ['372', 'You are in a maze of twisty passages, all alike.'],
    ['376', '>'],
  ].map(([numeric, text]) => serverLine(undefined, TMI, numeric, [login], text));
}

export function globalUserstateTags(userId: string, displayName: string): Record<string, string> {
  return {
    'badge-info': '',
    badges: '',
    color: '',
    'display-name': displayName,
    'emote-sets': '0',
    'user-id': userId,
    'user-type': '',
  };
}

export function userstateTags(displayName: string, badges: Badges): Record<string, string> {
  return {
    'badge-info': '',
    badges: badgesTag(badges),
    color: '',
    'display-name': displayName,
    'emote-sets': '0',
    mod: badges.moderator ? '1' : '0',
    subscriber: '0',
    'user-type': badges.moderator ? 'mod' : '',
  };
}

export function roomstateTags(roomId: string): Record<string, string> {
  return {
    'emote-only': '0',
    'followers-only': '-1',
    r9k: '0',
    'room-id': roomId,
    slow: '0',
    'subs-only': '0',
  };
}

/** The tags of a chat line: `sentAt` becomes `tmi-sent-ts`, every line gets a new `id`. */
export function privmsgTags(
  sender: { userId: string; displayName: string },
  badges: Badges,
  roomId: string,
  sentAt: number,
): Record<string, string> {
  return {
    'badge-info': '',
    badges: badgesTag(badges),
    color: '',
    'display-name': sender.displayName,
    emotes: '',
    'first-msg': '0',
    flags: '',
    id: randomUUID(),
    mod: badges.moderator ? '1' : '0',
    'returning-chatter': '0',
    'room-id': roomId,
    subscriber: '0',
    'tmi-sent-ts': String(sentAt),
    turbo: '0',
    'user-id': sender.userId,
    'user-type': badges.moderator ? 'mod' : '',
  };
}
