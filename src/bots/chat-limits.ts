import { Injectable } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { InjectConfig, type BotsConfig } from '../../config';
import { Clock } from '../../libs/clock';
import { SlidingWindowLimiter } from '../../libs/rate-limit';

/**
 * Room between the limiter's clock and Twitch's: a line counted when it leaves here reaches Twitch a little
 * later, so two lines that leave a full window apart can arrive slightly less than one apart. Going over means a
 * 30-minute block, so the windows here are a little longer than Twitch's.
 */
const WINDOW_SAFETY = 1.05;

/**
 * Twitch's chat limits, per identity (the login a bot speaks as) and shared by every instance: messages per
 * window (more where the identity moderates the channel) and JOINs per window. Callers wait, abortably, for room.
 */
@Injectable()
export class ChatLimits {
  constructor(
    @InjectConfig('bots') private readonly settings: BotsConfig,
    private readonly limiter: SlidingWindowLimiter,
    private readonly clock: Clock,
  ) {}

  /** Waits until the identity may send one more line; `isMod` where it moderates (or owns) the channel. */
  message(login: string, isMod: boolean, signal: AbortSignal): Promise<void> {
    const limit = isMod ? this.settings.modMessagesPerWindow : this.settings.messagesPerWindow;
    return this.take(`twitch-chat:messages:${login}`, limit, this.settings.messageWindowMs, signal);
  }

  /** Waits until the identity may JOIN one more channel. */
  join(login: string, signal: AbortSignal): Promise<void> {
    return this.take(
      `twitch-chat:joins:${login}`,
      this.settings.joinsPerWindow,
      this.settings.joinWindowMs,
      signal,
    );
  }

  private async take(key: string, limit: number, windowMs: number, signal: AbortSignal): Promise<void> {
    const window = Math.ceil(windowMs * WINDOW_SAFETY);
    for (;;) {
      signal.throwIfAborted();
      const taken = await this.limiter.tryTake([{ key, limit }], window, this.clock.now());
      if (taken.allowed) {
        return;
      }
      await sleep(Math.max(1, taken.retryAfterMs), undefined, { signal });
    }
  }
}
