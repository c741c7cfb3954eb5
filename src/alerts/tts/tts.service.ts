import { Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { Counter } from 'prom-client';
import { InjectConfig, type TtsConfig } from '../../../config';
import { MetricsService } from '../../metrics';
import { AlertSettingsService } from '../alert-settings.service';
import { SpeechCache } from './speech-cache';
import { SpeechEngine, SpeechUnavailableError, type SpeechAudio } from './speech-engine';
import { speechOf, type Speech } from './spoken-text';
import type { Donation } from '../../donations';
import { isShown } from '../moderation/moderation';
import { ModerationService } from '../moderation/moderation.service';

/** Rendered clips kept in memory at most, whatever TTS_CACHE_ENTRIES allows. */
export const TTS_CACHE_MAX_BYTES = 20 * 1024 * 1024;

export interface TtsStatus {
  engine: string;
  available: boolean;
}

/** A clip and its key: a hash of what it says and how, the same on every instance (it is the ETag). */
export interface SpokenAudio extends SpeechAudio {
  key: string;
}

/**
 * Text-to-speech of donations: what a donation says, and its audio, rendered on the first request on whichever
 * instance gets it and kept in that instance's memory (SpeechCache). Concurrent first requests for one clip share
 * one render.
 */
@Injectable()
export class TtsService {
  private readonly logger = new Logger(TtsService.name);
  private readonly cache: SpeechCache;
  private readonly rendering = new Map<string, Promise<SpeechAudio>>();
  private readonly renders: Counter<'result'>;

  constructor(
    private readonly alertSettings: AlertSettingsService,
    private readonly moderation: ModerationService,
    private readonly engine: SpeechEngine,
    metrics: MetricsService,
    @InjectConfig('tts') settings: TtsConfig,
  ) {
    this.cache = new SpeechCache(settings.cacheEntries, TTS_CACHE_MAX_BYTES);
    this.renders = new Counter({
      name: 'tts_renders_total',
      help: 'Text-to-speech clips rendered on this instance (cache misses), by result (ok, failed)',
      labelNames: ['result'],
      registers: [metrics.registry],
    });
  }

  /**
   * What the donation says for the streamer, or null (TTS off, below its minimum, nothing to say). The one place
   * that decides it: a moderated message goes in here.
   */
  async spokenTextFor(donation: Donation): Promise<Speech | null> {
    const { tts, moderation } = await this.alertSettings.get(donation.streamerId);
    const verdict = await this.moderation.verdictFor(donation, moderation);
    // A held, rejected or hidden message is never read out; a masked one is read as masked.
    if (!isShown(verdict.status) || verdict.status === 'hidden') {
      return null;
    }
    return speechOf(tts, { ...donation, donorName: verdict.donorName, message: verdict.message });
  }

  async status(): Promise<TtsStatus> {
    return { engine: this.engine.name, available: await this.engine.available() };
  }

  keyOf(speech: Speech): string {
    return createHash('sha256')
      .update(JSON.stringify([this.engine.name, speech.voice, speech.ratePercent, speech.text]))
      .digest('base64url')
      .slice(0, 32);
  }

  /** The clip of `speech`, from the cache or rendered now. Rejects with SpeechUnavailableError. */
  async audioOf(speech: Speech): Promise<SpokenAudio> {
    const key = this.keyOf(speech);
    const cached = this.cache.get(key);
    if (cached) {
      return { ...cached, key };
    }
    let render = this.rendering.get(key);
    if (!render) {
      render = this.render(key, speech);
      this.rendering.set(key, render);
      void render.then(
        () => this.rendering.delete(key),
        () => this.rendering.delete(key),
      );
    }
    return { ...(await render), key };
  }

  private async render(key: string, speech: Speech): Promise<SpeechAudio> {
    if (!(await this.engine.available())) {
      throw new SpeechUnavailableError(`${this.engine.name} is not available`);
    }
    try {
      const audio = await this.engine.render(speech);
      this.renders.inc({ result: 'ok' });
      this.cache.set(key, audio);
      return audio;
    } catch (error) {
      this.renders.inc({ result: 'failed' });
      this.logger.warn(`Text-to-speech render ${key} failed: ${(error as Error).message}`);
      throw error instanceof SpeechUnavailableError
        ? error
        : new SpeechUnavailableError((error as Error).message);
    }
  }
}
