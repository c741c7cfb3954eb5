import { Module } from '@nestjs/common';
import { DonationsModule } from '../donations';
import { StreamersModule } from '../streamers';
import { TypeOrmWebhookRegistrationsRepository } from './typeorm-webhook-registrations.repository';
import { WebhookController } from './webhook.controller';
import { WebhookIntake } from './webhook-intake.service';
import { WebhookRateLimiter } from './webhook-rate-limiter';
import { WebhookRegistrationsRepository } from './webhook-registrations.repository';
import { WebhookRegistrations } from './webhook-registrations.service';
import { WebhookSecrets } from './webhook-secrets';
import { WebhookMetrics } from './webhook.metrics';
import { WebhooksAdminController } from './webhooks-admin.controller';

@Module({
  imports: [DonationsModule, StreamersModule],
  controllers: [WebhookController, WebhooksAdminController],
  providers: [
    { provide: WebhookRegistrationsRepository, useClass: TypeOrmWebhookRegistrationsRepository },
    WebhookSecrets,
    WebhookRateLimiter,
    WebhookIntake,
    WebhookMetrics,
    WebhookRegistrations,
  ],
  exports: [WebhookRegistrations],
})
export class WebhooksModule {}
