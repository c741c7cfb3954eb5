export const MAX_MEDIA_NAME_LENGTH = 200;

/** Control characters, and the bidirectional overrides that can make `gpj.exe` read as `exe.jpg`. */
const UNSAFE = /[\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

/**
 * The name a streamer sees for an upload: the last part of what the browser sent (some send a whole path), in
 * NFC, without control or direction characters, spaces collapsed, at most 200 characters (never half a
 * surrogate pair); `file` when nothing is left. It is only ever shown as text, never used as a path.
 */
export function mediaNameOf(original: string | undefined): string {
  const base = (original ?? '').split(/[\\/]/).pop() ?? '';
  const cleaned = base.normalize('NFC').replace(UNSAFE, '').replace(/\s+/g, ' ').trim();
  const name = [...cleaned].slice(0, MAX_MEDIA_NAME_LENGTH).join('').trim();
  return name || 'file';
}
