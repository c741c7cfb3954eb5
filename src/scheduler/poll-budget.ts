import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AllConfig, SchedulerConfig } from '../../config';
import { Clock } from '../../libs/clock';
import { SlidingWindowLimiter } from './sliding-window.limiter';

const APP_KEY = 'donationalerts:app';
const streamerKey = (streamerId: string) => `donationalerts:streamer:${streamerId}`;

/** Not a failure: the request would break a rate limit, so the poll waits. */
export class BudgetExhaustedError extends Error {
  constructor(
    readonly retryAfterMs: number,
    readonly scope: 'app' | 'streamer',
  ) {
    super(`DonationAlerts ${scope} request budget exhausted; retry in ${retryAfterMs} ms`);
    this.name = 'BudgetExhaustedError';
  }
}

/**
 * Every DonationAlerts request the scheduler makes is taken from two budgets shared by all instances: the
 * streamer's (MAX_REQUESTS_PER_WINDOW per RATE_LIMIT_WINDOW) and the application's (DA_APP_RATE_LIMIT), so the
 * scheduler never causes a 429 by itself.
 */
@Injectable()
export class PollBudget {
  private readonly settings: SchedulerConfig;

  constructor(
    private readonly limiter: SlidingWindowLimiter,
    private readonly clock: Clock,
    config: ConfigService<AllConfig, true>,
  ) {
    this.settings = config.get('scheduler', { infer: true });
  }

  /** Takes one request from both budgets, or throws BudgetExhaustedError saying when to try again. */
  async take(streamerId: string): Promise<void> {
    const result = await this.limiter.tryTake(
      [
        { key: APP_KEY, limit: this.settings.appLimit },
        { key: streamerKey(streamerId), limit: this.settings.perStreamerLimit },
      ],
      this.settings.rateWindowMs,
      this.clock.now(),
    );
    if (!result.allowed) {
      throw new BudgetExhaustedError(result.retryAfterMs, result.blockedBy === APP_KEY ? 'app' : 'streamer');
    }
  }

  /** Application requests in the current window, and the limit. */
  async appUsage(): Promise<{ used: number; limit: number; windowMs: number }> {
    const [used] = await this.limiter.used([APP_KEY], this.settings.rateWindowMs, this.clock.now());
    return { used, limit: this.settings.appLimit, windowMs: this.settings.rateWindowMs };
  }
}
