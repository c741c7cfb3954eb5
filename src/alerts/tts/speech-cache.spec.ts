import { SpeechCache } from './speech-cache';
import type { SpeechAudio } from './speech-engine';

const clip = (bytes: number): SpeechAudio => ({ mimeType: 'audio/wav', data: Buffer.alloc(bytes) });

describe(SpeechCache.name, () => {
  it('keeps at most maxEntries clips, the least recently used out first', () => {
    const sut = new SpeechCache(2, 1000);
    sut.set('a', clip(1));
    sut.set('b', clip(1));
    expect(sut.get('a')).toBeDefined();
    sut.set('c', clip(1));

    expect(sut.get('b')).toBeUndefined();
    expect(sut.get('a')).toBeDefined();
    expect(sut.get('c')).toBeDefined();
    expect(sut.size).toBe(2);
  });

  it('keeps at most maxBytes in all, and never a clip larger than that', () => {
    const sut = new SpeechCache(10, 100);
    sut.set('a', clip(60));
    sut.set('b', clip(30));
    sut.set('c', clip(30));
    expect(sut.get('a')).toBeUndefined();
    expect(sut.bytes).toBe(60);

    sut.set('huge', clip(101));
    expect(sut.get('huge')).toBeUndefined();
    expect([sut.size, sut.bytes]).toEqual([2, 60]);
  });

  it('counts a replaced clip once', () => {
    const sut = new SpeechCache(10, 100);
    sut.set('a', clip(40));
    sut.set('a', clip(50));
    expect([sut.size, sut.bytes]).toEqual([1, 50]);
  });
});
