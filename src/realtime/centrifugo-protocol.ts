/**
 * The few messages of Centrifugo's JSON protocol (v1, as centrifuge-js 2.x speaks it) that DonationAlerts'
 * realtime channel needs. Written by hand: the maintained client (centrifuge 5.x) speaks only the newer
 * protocol, and the 2.x line is unmaintained; see the README ("Realtime push").
 */

export const MethodCodes = { connect: 0, subscribe: 1, ping: 7 } as const;

/** The channel DonationAlerts publishes a user's donations on. */
export function donationChannel(userId: number): string {
  return `$alerts:donation_${userId}`;
}

export function connectCommand(id: number, token: string): string {
  return JSON.stringify({ params: { token }, id });
}

export function subscribeCommand(id: number, channel: string, token: string): string {
  return JSON.stringify({ params: { channel, token }, method: MethodCodes.subscribe, id });
}

export function pingCommand(id: number): string {
  return JSON.stringify({ id, method: MethodCodes.ping });
}

export interface ProtocolError {
  code: number;
  message: string;
}

export type ServerMessage =
  /** The answer to one of our commands. */
  | { kind: 'reply'; id: number; result?: Record<string, unknown>; error?: ProtocolError }
  /** A publication on a channel (a reply without id). */
  | { kind: 'push'; channel: string; data: unknown }
  /** `{}`: newer servers' keepalive, answered with `{}`. */
  | { kind: 'keepalive' }
  | { kind: 'other'; raw: unknown };

/** One frame may hold several messages, one JSON object a line. Lines that are not JSON are skipped. */
export function parseFrame(frame: string): ServerMessage[] {
  const messages: ServerMessage[] = [];
  for (const line of frame.split('\n')) {
    const text = line.trim();
    if (!text) {
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      continue;
    }
    messages.push(classify(value));
  }
  return messages;
}

function classify(value: unknown): ServerMessage {
  if (typeof value !== 'object' || value === null) {
    return { kind: 'other', raw: value };
  }
  const message = value as { id?: unknown; result?: unknown; error?: unknown };
  if (typeof message.id === 'number' && message.id > 0) {
    return {
      kind: 'reply',
      id: message.id,
      result: isRecord(message.result) ? message.result : undefined,
      error: isProtocolError(message.error) ? message.error : undefined,
    };
  }
  if (Object.keys(message).length === 0) {
    return { kind: 'keepalive' };
  }
  const result = message.result as { type?: unknown; channel?: unknown; data?: unknown } | undefined;
  // No `type` (or 0) is a publication; other types (join, leave, unsub, ...) are not donations.
  if (isRecord(result) && typeof result.channel === 'string' && (result.type ?? 0) === 0) {
    return { kind: 'push', channel: result.channel, data: result.data };
  }
  return { kind: 'other', raw: value };
}

/** The donation inside a publication: `{ data: { data: {...donation} } }` (seq/offset may sit beside it). */
export function pushedDonation(data: unknown): unknown {
  return isRecord(data) && 'data' in data ? data.data : undefined;
}

export interface Disconnect {
  reason: string;
  reconnect: boolean;
}

/** Centrifugo closes the socket with a JSON reason, e.g. `{"reason":"token expired","reconnect":false}`. */
export function parseDisconnect(code: number, reason: string): Disconnect {
  try {
    const parsed = JSON.parse(reason) as { reason?: unknown; reconnect?: unknown };
    if (typeof parsed.reason === 'string') {
      return { reason: parsed.reason, reconnect: parsed.reconnect !== false };
    }
  } catch {
    // A plain-text reason, or none.
  }
  return { reason: reason || `closed with code ${code}`, reconnect: true };
}

/** The connection token no longer works: fetch a new one before reconnecting. */
export function isTokenProblem(text: string): boolean {
  return /expired|unauthori[sz]ed|invalid token/i.test(text);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isProtocolError(value: unknown): value is ProtocolError {
  return isRecord(value) && typeof value.code === 'number';
}
