/**
 * What an uploaded file is, decided from its first bytes only: the name and the Content-Type the browser sent
 * are the uploader's word, and a page that plays the file (OBS) must never be handed HTML or a script.
 */
export const MEDIA_KINDS = ['image', 'sound'] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];

export type MediaMimeType =
  'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp' | 'audio/mpeg' | 'audio/ogg' | 'audio/wav';

export interface MediaType {
  kind: MediaKind;
  mimeType: MediaMimeType;
}

const IMAGE = (mimeType: MediaMimeType): MediaType => ({ kind: 'image', mimeType });
const SOUND = (mimeType: MediaMimeType): MediaType => ({ kind: 'sound', mimeType });

/** `bytes` holds `signature` at `offset`; a signature string stands for its Latin-1 bytes. */
function has(bytes: Uint8Array, offset: number, signature: string | readonly number[]): boolean {
  const expected = typeof signature === 'string' ? [...signature].map((c) => c.charCodeAt(0)) : signature;
  if (bytes.length < offset + expected.length) {
    return false;
  }
  return expected.every((byte, index) => bytes[offset + index] === byte);
}

/** The first page of an Ogg stream starts one of these codecs' identification headers at byte 28. */
const OGG_AUDIO_CODECS = ['\x01vorbis', 'OpusHead', '\x7fFLAC', 'Speex   '];

/** `ID3` v2.2–2.4: version and revision below 0xFF, the four size bytes are "sync-safe" (top bit clear). */
function isId3Tag(bytes: Uint8Array): boolean {
  return (
    has(bytes, 0, 'ID3') &&
    bytes.length >= 10 &&
    bytes[3] >= 2 &&
    bytes[3] <= 4 &&
    bytes[4] !== 0xff &&
    [6, 7, 8, 9].every((index) => bytes[index] < 0x80)
  );
}

/**
 * An MPEG audio Layer III frame header: 11 sync bits, a version that is not reserved, layer III, a bitrate that
 * is neither "free" nor "bad" and a sample rate that is not reserved. (AAC in ADTS has layer bits 00: refused,
 * as it is not `audio/mpeg`.)
 */
function isMp3Frame(bytes: Uint8Array): boolean {
  if (bytes.length < 4 || bytes[0] !== 0xff || (bytes[1] & 0xe0) !== 0xe0) {
    return false;
  }
  const version = (bytes[1] >> 3) & 0b11;
  const layer = (bytes[1] >> 1) & 0b11;
  const bitrate = bytes[2] >> 4;
  const sampleRate = (bytes[2] >> 2) & 0b11;
  return version !== 0b01 && layer === 0b01 && bitrate !== 0 && bitrate !== 0xf && sampleRate !== 0b11;
}

/** The accepted image or sound type of `bytes`, or null for anything else (text, HTML, SVG, programs, …). */
export function sniffMediaType(bytes: Uint8Array): MediaType | null {
  if (has(bytes, 0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) {
    return IMAGE('image/png');
  }
  if (has(bytes, 0, [0xff, 0xd8, 0xff])) {
    return IMAGE('image/jpeg');
  }
  if (has(bytes, 0, 'GIF87a') || has(bytes, 0, 'GIF89a')) {
    return IMAGE('image/gif');
  }
  if (has(bytes, 0, 'RIFF') && has(bytes, 8, 'WEBPVP8')) {
    return IMAGE('image/webp');
  }
  if (has(bytes, 0, 'RIFF') && has(bytes, 8, 'WAVE')) {
    return SOUND('audio/wav');
  }
  if (has(bytes, 0, 'OggS') && bytes[4] === 0 && OGG_AUDIO_CODECS.some((codec) => has(bytes, 28, codec))) {
    return SOUND('audio/ogg');
  }
  if (isId3Tag(bytes) || isMp3Frame(bytes)) {
    return SOUND('audio/mpeg');
  }
  return null;
}
