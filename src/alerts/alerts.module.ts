import { Module } from '@nestjs/common';
import { DonationsModule } from '../donations';
import { SessionsModule } from '../sessions';
import { StreamersModule } from '../streamers';
import { AlertSettingsController } from './alert-settings.controller';
import { AlertSettingsRepository, TypeOrmAlertSettingsRepository } from './alert-settings.repository';
import { AlertSettingsService } from './alert-settings.service';
import { SpeechEngine, TtsService } from './tts';
import { EspeakNgSpeechEngine } from './tts/espeak-ng.speech-engine';
import { AlertMediaController } from './media/alert-media.controller';
import { AlertMediaRepository, TypeOrmAlertMediaRepository } from './media/alert-media.repository';
import { AlertMediaService } from './media/alert-media.service';
import { MediaUploadInterceptor } from './media/media-upload.interceptor';
import { HeldDonationsController } from './moderation/held-donations.controller';
import { ModerationRepository, TypeOrmModerationRepository } from './moderation/moderation.repository';
import { ModerationService } from './moderation/moderation.service';

/**
 * The alert box: per-streamer settings (text, minimums, tiers, TTS, moderation), the images and sounds tiers
 * use, how a donation's alert looks and what it says (text-to-speech), and the moderation verdict every consumer of
 * a donation shares.
 */
@Module({
  imports: [SessionsModule, StreamersModule, DonationsModule],
  controllers: [AlertSettingsController, AlertMediaController, HeldDonationsController],
  providers: [
    { provide: AlertSettingsRepository, useClass: TypeOrmAlertSettingsRepository },
    { provide: AlertMediaRepository, useClass: TypeOrmAlertMediaRepository },
    AlertSettingsService,
    AlertMediaService,
    MediaUploadInterceptor,
    { provide: ModerationRepository, useClass: TypeOrmModerationRepository },
    ModerationService,
    { provide: SpeechEngine, useClass: EspeakNgSpeechEngine },
    TtsService,
  ],
  exports: [AlertSettingsService, AlertMediaService, ModerationService, TtsService],
})
export class AlertsModule {}
