import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min, MinLength } from 'class-validator';
import { defineNamespace } from './config-namespace';
import { emptyToUndefined, toInteger } from './env-parsing';

export class TtsEnv {
  @IsOptional() @Transform(emptyToUndefined) @IsString() @MinLength(1) TTS_ESPEAK_PATH?: string;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(1000) @Max(120_000) TTS_RENDER_TIMEOUT_MS?: number;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(1) @Max(16) TTS_MAX_CONCURRENT_RENDERS?: number;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(1) @Max(10_000) TTS_CACHE_ENTRIES?: number;
}

export interface TtsConfig {
  /** The espeak-ng binary: a name looked up in PATH, or a path. */
  espeakPath: string;
  /** A render still running after this is killed, and the request answered 503. */
  renderTimeoutMs: number;
  /** Renders running at once on this instance; more wait their turn. */
  maxConcurrentRenders: number;
  /** Rendered clips kept in this instance's memory (and 20 MB at most, whatever the count). */
  cacheEntries: number;
}

export const ttsNamespace = defineNamespace({
  key: 'tts',
  env: TtsEnv,
  build: (env): TtsConfig => ({
    espeakPath: env.TTS_ESPEAK_PATH ?? 'espeak-ng',
    // A clip of a few hundred characters renders in well under a second; ten seconds means espeak-ng hangs.
    renderTimeoutMs: env.TTS_RENDER_TIMEOUT_MS ?? 10_000,
    // espeak-ng is single-threaded: two at once keep both cores of a small machine from being taken by speech.
    maxConcurrentRenders: env.TTS_MAX_CONCURRENT_RENDERS ?? 2,
    cacheEntries: env.TTS_CACHE_ENTRIES ?? 200,
  }),
});
