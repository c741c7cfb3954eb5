import { BotSettingsEntity } from './bot-settings.entity';
import { BotThankYouEntity } from './bot-thank-you.entity';

export * from './bot-settings.entity';
export * from './bot-thank-you.entity';
export const BOTS_ENTITIES = [BotSettingsEntity, BotThankYouEntity];
