import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsNumber, IsOptional, Max, Min } from 'class-validator';
import { defineNamespace } from './config-namespace';
import { toBoolean, toInteger } from './env-parsing';

function toNumber({ value }: { value: unknown }): unknown {
  return value === undefined || value === '' ? undefined : Number(value);
}

export class SchedulerEnv {
  @IsOptional() @Transform(toBoolean) @IsBoolean() SCHEDULER_ENABLED?: boolean;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(10) SCHEDULER_TICK_MS?: number;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(100) BASE_INTERVAL?: number;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(100) DA_POLL_INTERVAL_MS?: number;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(100) MAX_INTERVAL?: number;
  @IsOptional() @Transform(toNumber) @IsNumber() @Min(0) @Max(1) DA_POLL_JITTER?: number;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(1000) RATE_LIMIT_WINDOW?: number;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(1) MAX_REQUESTS_PER_WINDOW?: number;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(1) DA_APP_RATE_LIMIT?: number;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(1) @Max(256) DA_POLL_CONCURRENCY?: number;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(100) DA_POLL_LOCK_TTL_MS?: number;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(1) @Max(100) DA_POLL_MAX_PAGES?: number;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(1000) PUSH_SAFETY_POLL_MS?: number;
}

export interface SchedulerConfig {
  /** false: this instance polls nobody (admin routes still work). */
  enabled: boolean;
  tickMs: number;
  baseIntervalMs: number;
  maxIntervalMs: number;
  /** Random spread added to backoff delays, as a fraction of the delay (0.1 = up to +10 %). */
  jitter: number;
  rateWindowMs: number;
  /** Requests one streamer may cause in any window, across all instances. */
  perStreamerLimit: number;
  /** Requests the whole application may make in any window (DonationAlerts: 60 a minute per application). */
  appLimit: number;
  /** Polls at once on this instance, before scaling with the number of streamers. */
  concurrency: number;
  lockTtlMs: number;
  maxPages: number;
  pushSafetyPollMs: number;
}

export const schedulerNamespace = defineNamespace({
  key: 'scheduler',
  env: SchedulerEnv,
  build: (env): SchedulerConfig => ({
    enabled: env.SCHEDULER_ENABLED ?? true,
    tickMs: env.SCHEDULER_TICK_MS ?? 250,
    baseIntervalMs: env.DA_POLL_INTERVAL_MS ?? env.BASE_INTERVAL ?? 5000,
    maxIntervalMs: env.MAX_INTERVAL ?? 60_000,
    jitter: env.DA_POLL_JITTER ?? 0.1,
    rateWindowMs: env.RATE_LIMIT_WINDOW ?? 60_000,
    perStreamerLimit: env.MAX_REQUESTS_PER_WINDOW ?? 10,
    appLimit: env.DA_APP_RATE_LIMIT ?? 60,
    concurrency: env.DA_POLL_CONCURRENCY ?? 4,
    lockTtlMs: env.DA_POLL_LOCK_TTL_MS ?? 4500,
    maxPages: env.DA_POLL_MAX_PAGES ?? 5,
    pushSafetyPollMs: env.PUSH_SAFETY_POLL_MS ?? 60_000,
  }),
  check: ({ baseIntervalMs, maxIntervalMs }) =>
    maxIntervalMs >= baseIntervalMs
      ? []
      : [`MAX_INTERVAL (${maxIntervalMs}) must not be below the base interval (${baseIntervalMs})`],
});
