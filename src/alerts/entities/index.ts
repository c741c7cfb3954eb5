import { AlertMediaEntity } from './alert-media.entity';
import { AlertSettingsEntity } from './alert-settings.entity';
import { DonationModerationEntity } from './donation-moderation.entity';

export * from './alert-media.entity';
export * from './alert-settings.entity';
export * from './donation-moderation.entity';
export const ALERTS_ENTITIES = [AlertSettingsEntity, AlertMediaEntity, DonationModerationEntity];
