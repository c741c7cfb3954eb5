import type { SpeechAudio } from './speech-engine';

/**
 * Rendered clips by key, least recently used out first once either bound is passed: the number of clips, or
 * their total size. A clip larger than the whole size bound is not kept.
 */
export class SpeechCache {
  private readonly clips = new Map<string, SpeechAudio>();
  private totalBytes = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxBytes: number,
  ) {}

  get(key: string): SpeechAudio | undefined {
    const clip = this.clips.get(key);
    if (clip) {
      this.clips.delete(key);
      this.clips.set(key, clip);
    }
    return clip;
  }

  set(key: string, clip: SpeechAudio): void {
    this.delete(key);
    if (clip.data.length > this.maxBytes) {
      return;
    }
    this.clips.set(key, clip);
    this.totalBytes += clip.data.length;
    for (const oldest of this.clips.keys()) {
      if (this.clips.size <= this.maxEntries && this.totalBytes <= this.maxBytes) {
        break;
      }
      this.delete(oldest);
    }
  }

  get size(): number {
    return this.clips.size;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  private delete(key: string): void {
    const clip = this.clips.get(key);
    if (clip) {
      this.clips.delete(key);
      this.totalBytes -= clip.data.length;
    }
  }
}
