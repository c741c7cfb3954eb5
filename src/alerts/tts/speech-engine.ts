import type { Speech } from './spoken-text';

/** A rendered clip. */
export interface SpeechAudio {
  mimeType: 'audio/wav';
  data: Buffer;
}

/** The engine cannot speak now: it is missing, or a render failed or took too long. Never a donor's text. */
export class SpeechUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpeechUnavailableError';
  }
}

/** Text to speech. Implementations render the same speech to the same audio, so a clip may be cached anywhere. */
export abstract class SpeechEngine {
  /** Shown on /health and part of every cache key. */
  abstract readonly name: string;
  /** Whether it can render at all; found out once, at start. */
  abstract available(): Promise<boolean>;
  /** Rejects with SpeechUnavailableError. */
  abstract render(speech: Speech): Promise<SpeechAudio>;
}
