import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MinLength, Min } from 'class-validator';
import { defineNamespace } from './config-namespace';
import { emptyToUndefined, toInteger } from './env-parsing';

export class WebhooksEnv {
  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  @MinLength(16, { message: 'DA_WEBHOOK_SECRET must be at least 16 characters (or unset: one is generated)' })
  DA_WEBHOOK_SECRET?: string;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(1) @Max(3600) WEBHOOK_TOLERANCE_S?: number;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(1) @Max(365) WEBHOOK_INACTIVE_DAYS?: number;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(1000) WEBHOOK_PUSH_ACTIVE_MS?: number;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(1) WEBHOOK_RATE_LIMIT?: number;
}

export interface WebhooksConfig {
  /** The global fallback secret; undefined: generated once and kept in the database (see WebhookSecrets). */
  secret?: string;
  /** How far a Standard Webhooks timestamp may be from our clock, either way. */
  toleranceS: number;
  /** Registrations without a delivery for this long are removed by the cleanup. */
  inactiveDays: number;
  /** After a delivery the streamer is polled only as a safety net for this long. */
  pushActiveMs: number;
  /** Requests a minute one IP may make to the inbound endpoint, across all instances. */
  rateLimitPerMinute: number;
}

export const webhooksNamespace = defineNamespace({
  key: 'webhooks',
  env: WebhooksEnv,
  build: (env): WebhooksConfig => ({
    secret: env.DA_WEBHOOK_SECRET,
    toleranceS: env.WEBHOOK_TOLERANCE_S ?? 300,
    inactiveDays: env.WEBHOOK_INACTIVE_DAYS ?? 7,
    pushActiveMs: env.WEBHOOK_PUSH_ACTIVE_MS ?? 300_000,
    rateLimitPerMinute: env.WEBHOOK_RATE_LIMIT ?? 120,
  }),
});
