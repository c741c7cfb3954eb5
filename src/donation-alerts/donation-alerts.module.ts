import { Module } from '@nestjs/common';
import { DonationAlertsOAuthClient } from './donation-alerts-oauth.client';
import { DonationAlertsClient } from './donation-alerts.client';

/** DonationAlerts' OAuth and REST API. */
@Module({
  providers: [DonationAlertsOAuthClient, DonationAlertsClient],
  exports: [DonationAlertsOAuthClient, DonationAlertsClient],
})
export class DonationAlertsModule {}
