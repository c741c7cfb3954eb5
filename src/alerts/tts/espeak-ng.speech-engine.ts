import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { spawn } from 'node:child_process';
import { InjectConfig, type TtsConfig } from '../../../config';
import { ConcurrencyLimit } from '../../common';
import { SpeechEngine, SpeechUnavailableError, type SpeechAudio } from './speech-engine';
import type { Speech } from './spoken-text';

/** espeak-ng's normal speed, which a rate of 100 % is. */
const NORMAL_WORDS_PER_MINUTE = 175;
/** What espeak-ng accepts for `-s`. */
const WORDS_PER_MINUTE = { min: 80, max: 450 } as const;
/** About three minutes of its 22 kHz 16-bit mono: far more than MAX_SPOKEN_LENGTH ever takes. */
const MAX_AUDIO_BYTES = 8 * 1024 * 1024;
const MAX_STDERR_CHARACTERS = 200;
const VERSION_TIMEOUT_MS = 5000;

export function wordsPerMinute(ratePercent: number): number {
  const wpm = Math.round((NORMAL_WORDS_PER_MINUTE * ratePercent) / 100);
  return Math.min(WORDS_PER_MINUTE.max, Math.max(WORDS_PER_MINUTE.min, wpm));
}

/**
 * espeak-ng writing to a pipe cannot seek back, so its WAV header gives the largest sizes instead of the real
 * ones; with the clip whole, the real ones go in, and players show the right duration.
 */
export function withWavSizes(data: Buffer): Buffer {
  const canonical =
    data.length >= 44 &&
    data.toString('latin1', 0, 4) === 'RIFF' &&
    data.toString('latin1', 8, 12) === 'WAVE' &&
    data.toString('latin1', 36, 40) === 'data';
  if (canonical) {
    data.writeUInt32LE(data.length - 8, 4);
    data.writeUInt32LE(data.length - 44, 40);
  }
  return data;
}

/**
 * Speech by the espeak-ng binary (TTS_ESPEAK_PATH). The text goes in on stdin, never as an argument, and no shell
 * is involved; without `-m` espeak-ng reads it as plain text, not SSML. A render is killed after
 * TTS_RENDER_TIMEOUT_MS or past MAX_AUDIO_BYTES, and at most TTS_MAX_CONCURRENT_RENDERS run at once. A missing
 * binary makes the engine unavailable, found out once at start; nothing else is affected.
 */
@Injectable()
export class EspeakNgSpeechEngine extends SpeechEngine implements OnModuleInit {
  readonly name = 'espeak-ng';
  private readonly logger = new Logger(EspeakNgSpeechEngine.name);
  private readonly renders: ConcurrencyLimit;
  private detection?: Promise<boolean>;

  constructor(@InjectConfig('tts') private readonly settings: TtsConfig) {
    super();
    this.renders = new ConcurrencyLimit(settings.maxConcurrentRenders);
  }

  async onModuleInit(): Promise<void> {
    await this.available();
  }

  available(): Promise<boolean> {
    this.detection ??= this.detect();
    return this.detection;
  }

  async render(speech: Speech): Promise<SpeechAudio> {
    if (!(await this.available())) {
      throw new SpeechUnavailableError(`${this.settings.espeakPath} is not available`);
    }
    const args = [
      '--stdout',
      '-b',
      '1',
      '-v',
      speech.voice,
      '-s',
      String(wordsPerMinute(speech.ratePercent)),
    ];
    const data = await this.renders.run(() => this.run(args, speech.text, this.settings.renderTimeoutMs));
    if (data.length < 44 || data.toString('latin1', 0, 4) !== 'RIFF') {
      throw new SpeechUnavailableError(`${this.settings.espeakPath} wrote no WAV audio`);
    }
    return { mimeType: 'audio/wav', data: withWavSizes(data) };
  }

  private async detect(): Promise<boolean> {
    try {
      const version = (await this.run(['--version'], '', VERSION_TIMEOUT_MS)).toString('utf8').trim();
      this.logger.log(`Text-to-speech by ${version.split('\n')[0]}`);
      return true;
    } catch (error) {
      this.logger.warn(`Text-to-speech unavailable: ${(error as Error).message}`);
      return false;
    }
  }

  /**
   * The binary's stdout for `input` on stdin. The timeout is a real timer, not the Clock: it bounds a child
   * process, which runs in real time whatever a test clock says.
   */
  private run(args: string[], input: string, timeoutMs: number): Promise<Buffer> {
    const binary = this.settings.espeakPath;
    return new Promise<Buffer>((resolve, reject) => {
      const child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'], shell: false });
      const chunks: Buffer[] = [];
      let bytes = 0;
      let stderr = '';
      let failure: string | null = null;
      const stop = (reason: string): void => {
        failure ??= reason;
        child.kill('SIGKILL');
      };
      const timer = setTimeout(() => stop(`${binary} took longer than ${timeoutMs} ms`), timeoutMs);
      timer.unref();
      child.stdout.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > MAX_AUDIO_BYTES) {
          stop(`${binary} wrote more than ${MAX_AUDIO_BYTES} bytes`);
        } else {
          chunks.push(chunk);
        }
      });
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => {
        stderr = (stderr + chunk).slice(0, MAX_STDERR_CHARACTERS);
      });
      // A binary that exits before reading its input closes the pipe under us: the exit tells what went wrong.
      child.stdin.on('error', () => undefined);
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(new SpeechUnavailableError(`cannot run ${binary}: ${error.message}`));
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (failure !== null) {
          reject(new SpeechUnavailableError(failure));
        } else if (code !== 0) {
          const detail = stderr.trim() ? `: ${stderr.trim()}` : '';
          reject(new SpeechUnavailableError(`${binary} exited with ${code ?? signal}${detail}`));
        } else {
          resolve(Buffer.concat(chunks));
        }
      });
      child.stdin.end(input, 'utf8');
    });
  }
}
