import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { defineNamespace } from './config-namespace';
import { toInteger } from './env-parsing';

/** Uploads are held in memory while they are checked: one file larger than this would be a memory problem. */
const MAX_FILE_BYTES = 50 * 1024 * 1024;

export class AlertsEnv {
  @IsOptional() @Transform(toInteger) @IsInt() @Min(1024) @Max(MAX_FILE_BYTES) ALERT_MEDIA_MAX_BYTES?: number;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(1024) ALERT_MEDIA_QUOTA_BYTES?: number;
}

export interface AlertsConfig {
  /** The largest image or sound a streamer may upload. */
  mediaMaxBytes: number;
  /** What all of one streamer's uploads may add up to. */
  mediaQuotaBytes: number;
}

export const alertsNamespace = defineNamespace({
  key: 'alerts',
  env: AlertsEnv,
  build: (env): AlertsConfig => ({
    // 5 MB holds a few seconds of 320 kbit/s MP3 or a large animated GIF; the page loads it once, then caches it.
    mediaMaxBytes: env.ALERT_MEDIA_MAX_BYTES ?? 5 * 1024 * 1024,
    mediaQuotaBytes: env.ALERT_MEDIA_QUOTA_BYTES ?? 50 * 1024 * 1024,
  }),
});
