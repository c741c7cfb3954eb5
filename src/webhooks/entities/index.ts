import { AppSecretEntity } from './app-secret.entity';
import { WebhookDeliveryEntity } from './webhook-delivery.entity';
import { WebhookRegistrationEntity } from './webhook-registration.entity';

export * from './app-secret.entity';
export * from './webhook-delivery.entity';
export * from './webhook-registration.entity';
export const WEBHOOKS_ENTITIES = [WebhookRegistrationEntity, WebhookDeliveryEntity, AppSecretEntity];
