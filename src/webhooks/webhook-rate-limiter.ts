import { Injectable } from '@nestjs/common';
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import { InjectConfig, type WebhooksConfig } from '../../config';
import { RedisConnection } from '../../libs/redis';

export type RateDecision = { allowed: true } | { allowed: false; retryAfterS: number };

/**
 * Requests a minute per IP on the inbound endpoint. With Redis every instance draws from one count; while Redis
 * is unreachable an in-process limiter stands in rather than refusing or waving every delivery through.
 */
@Injectable()
export class WebhookRateLimiter {
  private readonly limiter: RateLimiterAbstract;

  constructor(redis: RedisConnection, @InjectConfig('webhooks') webhooks: WebhooksConfig) {
    const options = { points: webhooks.rateLimitPerMinute, duration: 60 };
    this.limiter = redis.client
      ? new RateLimiterRedis({
          ...options,
          storeClient: redis.client,
          keyPrefix: redis.key('webhook-rate'),
          insuranceLimiter: new RateLimiterMemory(options),
        })
      : new RateLimiterMemory(options);
  }

  async consume(ip: string): Promise<RateDecision> {
    try {
      await this.limiter.consume(ip);
      return { allowed: true };
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) {
        return { allowed: false, retryAfterS: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) };
      }
      throw rejection;
    }
  }
}
