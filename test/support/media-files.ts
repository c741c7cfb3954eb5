import { crc32, deflateSync } from 'node:zlib';

/**
 * Small real image and sound files, built byte by byte so no binary fixture is committed: each is what an
 * encoder would write (valid checksums), only tiny.
 */

function le16(value: number): Buffer {
  const buffer = Buffer.alloc(2);
  buffer.writeUInt16LE(value);
  return buffer;
}

function le32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32LE(value);
  return buffer;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type, 'latin1'), data])));
  return Buffer.concat([length, Buffer.from(type, 'latin1'), data, crc]);
}

/** A 1×1 PNG of one RGBA colour. */
export function pngImage(rgba: [number, number, number, number] = [255, 180, 0, 255]): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(1, 0);
  header.writeUInt32BE(1, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8 bits, RGBA, deflate, no filter method, not interlaced
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(Buffer.from([0, ...rgba]))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The classic 43-byte transparent 1×1 GIF. */
export function gifImage(): Buffer {
  return Buffer.from('R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==', 'base64');
}

/** A 1×1 lossless WebP. */
export function webpImage(): Buffer {
  return Buffer.from('UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==', 'base64');
}

/** The start of a baseline JPEG: SOI and the JFIF APP0 segment (what a sniffer looks at), then EOI. */
export function jpegImage(): Buffer {
  return Buffer.concat([
    Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]),
    Buffer.from('JFIF\0', 'latin1'),
    Buffer.from([1, 1, 0, 0, 1, 0, 1, 0, 0, 0xff, 0xd9]),
  ]);
}

/** 8-bit mono PCM at 8 kHz: `samples` bytes of a square wave (so different sizes are different files). */
export function wavSound(samples = 800): Buffer {
  const data = Buffer.alloc(samples, 0);
  for (let index = 0; index < samples; index += 1) {
    data[index] = Math.floor(index / 8) % 2 === 0 ? 0x40 : 0xc0;
  }
  const format = Buffer.concat([le16(1), le16(1), le32(8000), le32(8000), le16(1), le16(8)]);
  return Buffer.concat([
    Buffer.from('RIFF', 'latin1'),
    le32(36 + data.length),
    Buffer.from('WAVEfmt ', 'latin1'),
    le32(format.length),
    format,
    Buffer.from('data', 'latin1'),
    le32(data.length),
    data,
  ]);
}

/** Ogg's page checksum: CRC-32 with polynomial 0x04c11db7, not reflected, no final xor. */
function oggCrc(page: Buffer): number {
  let crc = 0;
  for (const byte of page) {
    crc ^= byte << 24;
    for (let bit = 0; bit < 8; bit += 1) {
      crc = crc & 0x80000000 ? (crc << 1) ^ 0x04c11db7 : crc << 1;
    }
  }
  return crc >>> 0;
}

/** The first page of an Ogg Vorbis stream: the Vorbis identification header (mono, 44.1 kHz). */
export function oggSound(): Buffer {
  const identification = Buffer.concat([
    Buffer.from('\x01vorbis', 'latin1'),
    le32(0), // Vorbis version
    Buffer.from([1]), // channels
    le32(44_100),
    le32(0), // maximum bitrate
    le32(96_000), // nominal bitrate
    le32(0), // minimum bitrate
    Buffer.from([0xb8, 0x01]), // block sizes 256/2048, framing bit
  ]);
  const header = Buffer.concat([
    Buffer.from('OggS', 'latin1'),
    Buffer.from([0, 0x02]), // version 0, beginning of stream
    Buffer.alloc(8), // granule position
    le32(0x1234), // stream serial number
    le32(0), // page sequence number
    le32(0), // checksum, filled in below
    Buffer.from([1, identification.length]), // one segment
  ]);
  const page = Buffer.concat([header, identification]);
  page.writeUInt32LE(oggCrc(page), 22);
  return page;
}

/** An MPEG-1 Layer III frame: 128 kbit/s, 44.1 kHz, mono, silent; `frames` of them. */
function mp3Frames(frames: number): Buffer {
  const frame = Buffer.alloc(417);
  frame.set([0xff, 0xfb, 0x90, 0xc4]);
  return Buffer.concat(Array.from({ length: frames }, () => frame));
}

/** An MP3 with an (empty) ID3v2.4 tag in front, as most encoders write it. */
export function mp3WithId3(frames = 2): Buffer {
  return Buffer.concat([Buffer.from([0x49, 0x44, 0x33, 4, 0, 0, 0, 0, 0, 0]), mp3Frames(frames)]);
}

/** An MP3 that starts right at a frame (no tag). */
export function mp3FramesOnly(frames = 2): Buffer {
  return mp3Frames(frames);
}
