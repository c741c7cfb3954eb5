import { Injectable } from '@nestjs/common';
import { InjectConfig, type SchedulerConfig } from '../../config';
import { Clock } from '../../libs/clock';
import { SlidingWindowLimiter } from '../../libs/rate-limit';

const APP_KEY = 'donationalerts:app';

/**
 * `normal`: polls of streamers without a working push channel, and the realtime sockets' own calls. `spare`:
 * safety polls of streamers whose socket delivers; they may use only what leaves a quarter of the application
 * budget free for the others.
 */
export type BudgetPriority = 'normal' | 'spare';
const streamerKey = (streamerId: string) => `donationalerts:streamer:${streamerId}`;

/** Not a failure: the request would break a rate limit, so the poll waits. */
export class BudgetExhaustedError extends Error {
  constructor(
    readonly retryAfterMs: number,
    readonly scope: 'app' | 'streamer',
    /** Requests the poll will need in one go next time (it learned it has several pages to read). */
    readonly requestsNeeded = 1,
  ) {
    super(`DonationAlerts ${scope} request budget exhausted; retry in ${retryAfterMs} ms`);
    this.name = 'BudgetExhaustedError';
  }
}

/**
 * Every DonationAlerts request the service makes (polls, and the realtime sockets' token calls) is taken from two
 * budgets shared by all instances: the streamer's (MAX_REQUESTS_PER_WINDOW per RATE_LIMIT_WINDOW) and the
 * application's (DA_APP_RATE_LIMIT), so the service never causes a 429 by itself.
 */
@Injectable()
export class DonationAlertsBudget {
  constructor(
    private readonly limiter: SlidingWindowLimiter,
    private readonly clock: Clock,
    @InjectConfig('scheduler') private readonly settings: SchedulerConfig,
  ) {}

  /**
   * Takes `count` requests from both budgets at once, or throws BudgetExhaustedError saying when that many will
   * be free. `count` is capped at the per-streamer limit, which could otherwise never be met. A `spare` take
   * leaves a quarter of the application budget to `normal` ones.
   */
  async take(streamerId: string, count = 1, priority: BudgetPriority = 'normal'): Promise<void> {
    const requests = Math.min(count, this.settings.perStreamerLimit, this.settings.appLimit);
    const result = await this.limiter.tryTake(
      [
        {
          key: APP_KEY,
          limit: this.appLimitFor(priority, requests),
          count: requests,
          windowMs: this.appWindowMs(),
        },
        { key: streamerKey(streamerId), limit: this.settings.perStreamerLimit, count: requests },
      ],
      this.settings.rateWindowMs,
      this.clock.now(),
    );
    if (!result.allowed) {
      throw new BudgetExhaustedError(
        result.retryAfterMs,
        result.blockedBy === APP_KEY ? 'app' : 'streamer',
        requests,
      );
    }
  }

  /**
   * DonationAlerts counts requests when they arrive, the budget when they leave: 5 % more window than theirs
   * keeps a request that lingered on the way from landing in the next window together with newer ones.
   */
  private appWindowMs(): number {
    return this.settings.rateWindowMs + Math.ceil(this.settings.rateWindowMs / 20);
  }

  private appLimitFor(priority: BudgetPriority, requests: number): number {
    const { appLimit } = this.settings;
    return priority === 'spare' ? Math.max(requests, appLimit - Math.ceil(appLimit / 4)) : appLimit;
  }

  /** Requests the application may still make in the current window. */
  async appRemaining(): Promise<number> {
    const { used, limit } = await this.appUsage();
    return Math.max(0, limit - used);
  }

  /** Application requests in the current window, and the limit. */
  async appUsage(): Promise<{ used: number; limit: number; windowMs: number }> {
    const [used] = await this.limiter.used([APP_KEY], this.appWindowMs(), this.clock.now());
    return { used, limit: this.settings.appLimit, windowMs: this.settings.rateWindowMs };
  }
}
