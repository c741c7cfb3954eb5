import { Module } from '@nestjs/common';
import { SessionsModule } from '../sessions';
import { StreamersModule } from '../streamers';
import { AlertSettingsController } from './alert-settings.controller';
import { AlertSettingsRepository, TypeOrmAlertSettingsRepository } from './alert-settings.repository';
import { AlertSettingsService } from './alert-settings.service';
import { SpeechEngine, TtsService } from './tts';
import { EspeakNgSpeechEngine } from './tts/espeak-ng.speech-engine';

/**
 * The alert box: per-streamer settings (text, minimums, tiers, TTS, moderation), how a donation's alert looks, and
 * what it says (text-to-speech).
 */
@Module({
  imports: [SessionsModule, StreamersModule],
  controllers: [AlertSettingsController],
  providers: [
    { provide: AlertSettingsRepository, useClass: TypeOrmAlertSettingsRepository },
    AlertSettingsService,
    { provide: SpeechEngine, useClass: EspeakNgSpeechEngine },
    TtsService,
  ],
  exports: [AlertSettingsService, TtsService],
})
export class AlertsModule {}
