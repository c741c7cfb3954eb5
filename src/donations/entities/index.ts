import { DonationCursorEntity } from './donation-cursor.entity';
import { DonationEntity } from './donation.entity';

export * from './donation-cursor.entity';
export * from './donation.entity';
export const DONATIONS_ENTITIES = [DonationEntity, DonationCursorEntity];
