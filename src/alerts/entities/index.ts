import { AlertSettingsEntity } from './alert-settings.entity';

export * from './alert-settings.entity';
export const ALERTS_ENTITIES = [AlertSettingsEntity];
