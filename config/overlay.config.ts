import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Min } from 'class-validator';
import { defineNamespace } from './config-namespace';
import { toInteger } from './env-parsing';

export class OverlayEnv {
  @IsOptional() @Transform(toInteger) @IsInt() @Min(1) OVERLAY_HISTORY_SIZE?: number;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(1000) OVERLAY_HISTORY_MAX_AGE_MS?: number;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(10) OVERLAY_HEARTBEAT_MS?: number;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(1000) OVERLAY_ALERT_DURATION_MS?: number;
}

export interface OverlayConfig {
  /** Events kept per streamer for `Last-Event-ID` replay (approximately, in Redis). */
  historySize: number;
  /** Events older than this are dropped from the replay history. */
  historyMaxAgeMs: number;
  /** Period of the `:` comment that keeps proxies from closing an idle stream. */
  heartbeatMs: number;
  /**
   * How long the overlay page shows an alert stored without a view (from before alert settings); the others last
   * the streamer's own duration.
   */
  alertDurationMs: number;
}

export const overlayNamespace = defineNamespace({
  key: 'overlay',
  env: OverlayEnv,
  build: (env): OverlayConfig => ({
    historySize: env.OVERLAY_HISTORY_SIZE ?? 200,
    historyMaxAgeMs: env.OVERLAY_HISTORY_MAX_AGE_MS ?? 86_400_000,
    heartbeatMs: env.OVERLAY_HEARTBEAT_MS ?? 15_000,
    alertDurationMs: env.OVERLAY_ALERT_DURATION_MS ?? 8000,
  }),
});
