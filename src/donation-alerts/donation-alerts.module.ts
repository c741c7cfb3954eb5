import { Module } from '@nestjs/common';
import { redisOrMemory } from '../../libs/redis';
import { DonationAlertsOAuthClient } from './donation-alerts-oauth.client';
import { DonationAlertsClient } from './donation-alerts.client';
import { DonationAlertsBudget } from './request-budget';
import {
  MemorySlidingWindowLimiter,
  RedisSlidingWindowLimiter,
  SlidingWindowLimiter,
} from '../../libs/rate-limit';

/** DonationAlerts' OAuth and REST API, and the request budgets every caller of it shares. */
@Module({
  providers: [
    DonationAlertsOAuthClient,
    DonationAlertsClient,
    redisOrMemory<SlidingWindowLimiter>(SlidingWindowLimiter, {
      redis: (redis) => new RedisSlidingWindowLimiter(redis),
      memory: () => new MemorySlidingWindowLimiter(),
    }),
    DonationAlertsBudget,
  ],
  exports: [DonationAlertsOAuthClient, DonationAlertsClient, DonationAlertsBudget],
})
export class DonationAlertsModule {}
