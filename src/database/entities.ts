import { DonationCursorEntity } from '../donations/entities/donation-cursor.entity';
import { DonationEntity } from '../donations/entities/donation.entity';
import { OAuthCredentialEntity } from '../oauth/entities/oauth-credential.entity';
import { StreamerEntity } from '../streamers/entities/streamer.entity';

export const ENTITIES = [StreamerEntity, DonationEntity, DonationCursorEntity, OAuthCredentialEntity];
