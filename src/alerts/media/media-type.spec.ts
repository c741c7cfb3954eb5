import {
  gifImage,
  jpegImage,
  mp3FramesOnly,
  mp3WithId3,
  oggSound,
  pngImage,
  wavSound,
  webpImage,
} from '../../../test/support/media-files';
import { sniffMediaType } from './media-type';

const latin1 = (text: string) => Buffer.from(text, 'latin1');

describe('sniffMediaType', () => {
  it.each([
    ['PNG', pngImage(), 'image', 'image/png'],
    ['JPEG', jpegImage(), 'image', 'image/jpeg'],
    ['GIF', gifImage(), 'image', 'image/gif'],
    ['WebP', webpImage(), 'image', 'image/webp'],
    ['MP3 with an ID3 tag', mp3WithId3(), 'sound', 'audio/mpeg'],
    ['MP3 starting at a frame', mp3FramesOnly(), 'sound', 'audio/mpeg'],
    ['Ogg Vorbis', oggSound(), 'sound', 'audio/ogg'],
    ['WAV', wavSound(), 'sound', 'audio/wav'],
  ])('recognises %s from its bytes', (_name, bytes, kind, mimeType) => {
    expect(sniffMediaType(bytes)).toEqual({ kind, mimeType });
  });

  it('knows a PNG by its bytes whatever it was called: there is no name to go by', () => {
    // What a browser would upload as "alert.mp3" with Content-Type audio/mpeg: only the bytes reach the sniffer.
    expect(sniffMediaType(pngImage())).toEqual({ kind: 'image', mimeType: 'image/png' });
  });

  it.each([
    ['an empty file', Buffer.alloc(0)],
    ['plain text', Buffer.from('Привет, это не картинка\n')],
    ['HTML', Buffer.from('<!doctype html><html><script>alert(1)</script></html>')],
    ['SVG', Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script/></svg>')],
    ['a Windows program', Buffer.concat([latin1('MZ\x90\x00\x03\x00\x00\x00'), Buffer.alloc(120)])],
    ['a Linux program', Buffer.concat([latin1('\x7fELF\x02\x01\x01'), Buffer.alloc(60)])],
    ['a PDF', Buffer.from('%PDF-1.7\n')],
    ['a ZIP', Buffer.concat([latin1('PK\x03\x04'), Buffer.alloc(30)])],
    ['AAC in ADTS (not audio/mpeg)', Buffer.from([0xff, 0xf1, 0x50, 0x80, 0x02, 0x1f, 0xfc])],
    ['an MPEG header with a reserved sample rate', Buffer.from([0xff, 0xfb, 0x9c, 0xc4])],
    [
      'a RIFF file that is neither WAV nor WebP',
      Buffer.concat([latin1('RIFF\x04\x00\x00\x00AVI '), Buffer.alloc(8)]),
    ],
    [
      'an Ogg video (Theora)',
      Buffer.concat([oggSound().subarray(0, 28), latin1('\x80theora'), Buffer.alloc(30)]),
    ],
    ['the PNG signature cut short', pngImage().subarray(0, 7)],
    ['an ID3 tag with a bad size', Buffer.from([0x49, 0x44, 0x33, 4, 0, 0, 0x80, 0, 0, 0])],
  ])('refuses %s', (_name, bytes) => {
    expect(sniffMediaType(bytes)).toBeNull();
  });
});
