import { DonationCursorEntity } from '../donations/entities/donation-cursor.entity';
import { DonationEntity } from '../donations/entities/donation.entity';
import { OAuthCredentialEntity } from '../oauth/entities/oauth-credential.entity';
import { StreamerEntity } from '../streamers/entities/streamer.entity';
import { AppSecretEntity } from '../webhooks/entities/app-secret.entity';
import { WebhookDeliveryEntity } from '../webhooks/entities/webhook-delivery.entity';
import { WebhookRegistrationEntity } from '../webhooks/entities/webhook-registration.entity';

export const ENTITIES = [
  StreamerEntity,
  DonationEntity,
  DonationCursorEntity,
  OAuthCredentialEntity,
  WebhookRegistrationEntity,
  WebhookDeliveryEntity,
  AppSecretEntity,
];
