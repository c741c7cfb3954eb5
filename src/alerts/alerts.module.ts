import { Module } from '@nestjs/common';
import { DonationsModule } from '../donations';
import { SessionsModule } from '../sessions';
import { StreamersModule } from '../streamers';
import { AlertSettingsController } from './alert-settings.controller';
import { AlertSettingsRepository, TypeOrmAlertSettingsRepository } from './alert-settings.repository';
import { AlertSettingsService } from './alert-settings.service';
import { HeldDonationsController } from './moderation/held-donations.controller';
import { ModerationRepository, TypeOrmModerationRepository } from './moderation/moderation.repository';
import { ModerationService } from './moderation/moderation.service';

/**
 * The alert box: per-streamer settings (text, minimums, tiers, TTS, moderation), how a donation's alert looks,
 * and the moderation verdict every consumer of a donation shares.
 */
@Module({
  imports: [SessionsModule, StreamersModule, DonationsModule],
  controllers: [AlertSettingsController, HeldDonationsController],
  providers: [
    { provide: AlertSettingsRepository, useClass: TypeOrmAlertSettingsRepository },
    AlertSettingsService,
    { provide: ModerationRepository, useClass: TypeOrmModerationRepository },
    ModerationService,
  ],
  exports: [AlertSettingsService, ModerationService],
})
export class AlertsModule {}
