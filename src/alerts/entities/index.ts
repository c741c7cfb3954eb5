import { AlertMediaEntity } from './alert-media.entity';
import { AlertSettingsEntity } from './alert-settings.entity';

export * from './alert-media.entity';
export * from './alert-settings.entity';
export const ALERTS_ENTITIES = [AlertSettingsEntity, AlertMediaEntity];
