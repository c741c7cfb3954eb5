import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { InjectConfig, type RedisConfig } from '../../config';
import { RedisConnection } from '../../libs/redis';

/**
 * Redis is an error only when REDIS_REQUIRED; otherwise an absent or failing Redis is reported as
 * `degraded` (single-instance mode), which keeps /health at 200.
 */
@Injectable()
export class RedisHealthIndicator {
  private readonly required: boolean;

  constructor(
    private readonly redis: RedisConnection,
    private readonly health: HealthIndicatorService,
    @InjectConfig('redis') settings: RedisConfig,
  ) {
    this.required = settings.required;
  }

  async check(timeoutMs = 1000): Promise<HealthIndicatorResult<'redis'>> {
    const indicator = this.health.check('redis');
    if (!this.redis.client) {
      return indicator.degraded({ mode: 'single-instance', message: this.redis.singleInstanceReason });
    }
    try {
      const latencyMs = await Promise.race([
        this.redis.ping(),
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs).unref(),
        ),
      ]);
      return indicator.up({
        mode: 'redis',
        url: this.redis.maskedUrl,
        latencyMs: Math.round(latencyMs * 10) / 10,
      });
    } catch (error) {
      const data = { mode: 'redis', url: this.redis.maskedUrl, message: (error as Error).message };
      return this.required ? indicator.down(data) : indicator.degraded(data);
    }
  }
}
