import { AlertSettingsEntity } from './alert-settings.entity';
import { DonationModerationEntity } from './donation-moderation.entity';

export * from './alert-settings.entity';
export * from './donation-moderation.entity';
export const ALERTS_ENTITIES = [AlertSettingsEntity, DonationModerationEntity];
