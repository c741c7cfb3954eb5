import { Module } from '@nestjs/common';
import { SessionsModule } from '../sessions';
import { StreamersModule } from '../streamers';
import { AlertSettingsController } from './alert-settings.controller';
import { AlertSettingsRepository, TypeOrmAlertSettingsRepository } from './alert-settings.repository';
import { AlertSettingsService } from './alert-settings.service';

/** The alert box: per-streamer settings (text, minimums, tiers, TTS, moderation) and how a donation's alert looks. */
@Module({
  imports: [SessionsModule, StreamersModule],
  controllers: [AlertSettingsController],
  providers: [
    { provide: AlertSettingsRepository, useClass: TypeOrmAlertSettingsRepository },
    AlertSettingsService,
  ],
  exports: [AlertSettingsService],
})
export class AlertsModule {}
