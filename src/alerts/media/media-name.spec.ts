import { MAX_MEDIA_NAME_LENGTH, mediaNameOf } from './media-name';

describe('mediaNameOf', () => {
  it('keeps an ordinary name, Cyrillic included', () => {
    expect(mediaNameOf('звук доната.mp3')).toBe('звук доната.mp3');
  });

  it('keeps only the last part of a path', () => {
    expect(mediaNameOf('C:\\Users\\stream\\alert.png')).toBe('alert.png');
    expect(mediaNameOf('../../etc/passwd')).toBe('passwd');
  });

  it('drops control and direction characters and collapses spaces', () => {
    expect(mediaNameOf('a\u0000b\r\n  c\u202egpj.exe')).toBe('ab cgpj.exe');
  });

  it(`cuts to ${MAX_MEDIA_NAME_LENGTH} characters without splitting a character`, () => {
    const name = mediaNameOf('😀'.repeat(300));
    expect([...name]).toHaveLength(MAX_MEDIA_NAME_LENGTH);
    expect(name).toBe('😀'.repeat(MAX_MEDIA_NAME_LENGTH));
  });

  it('falls back to "file" when nothing is left', () => {
    expect(mediaNameOf(undefined)).toBe('file');
    expect(mediaNameOf(' \u0007 ')).toBe('file');
    expect(mediaNameOf('dir/')).toBe('file');
  });
});
