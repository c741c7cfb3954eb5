import { Module } from '@nestjs/common';
import { SessionsModule } from '../sessions';
import { StreamersModule } from '../streamers';
import { AlertSettingsController } from './alert-settings.controller';
import { AlertSettingsRepository, TypeOrmAlertSettingsRepository } from './alert-settings.repository';
import { AlertSettingsService } from './alert-settings.service';
import { AlertMediaController } from './media/alert-media.controller';
import { AlertMediaRepository, TypeOrmAlertMediaRepository } from './media/alert-media.repository';
import { AlertMediaService } from './media/alert-media.service';
import { MediaUploadInterceptor } from './media/media-upload.interceptor';

/**
 * The alert box: per-streamer settings (text, minimums, tiers, TTS, moderation), the images and sounds tiers
 * use, and how a donation's alert looks.
 */
@Module({
  imports: [SessionsModule, StreamersModule],
  controllers: [AlertSettingsController, AlertMediaController],
  providers: [
    { provide: AlertSettingsRepository, useClass: TypeOrmAlertSettingsRepository },
    { provide: AlertMediaRepository, useClass: TypeOrmAlertMediaRepository },
    AlertSettingsService,
    AlertMediaService,
    MediaUploadInterceptor,
  ],
  exports: [AlertSettingsService, AlertMediaService],
})
export class AlertsModule {}
