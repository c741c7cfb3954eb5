import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, IsUrl, Min } from 'class-validator';
import { defineNamespace } from './config-namespace';
import { emptyToUndefined, toInteger } from './env-parsing';

/** What the service needs from a streamer's DonationAlerts account: identity, donation history, realtime push. */
export const DONATION_ALERTS_SCOPES = ['oauth-user-show', 'oauth-donation-index', 'oauth-donation-subscribe'];

export class DonationAlertsEnv {
  @IsOptional() @Transform(emptyToUndefined) @IsString() DA_CLIENT_ID?: string;
  @IsOptional() @Transform(emptyToUndefined) @IsString() DA_CLIENT_SECRET?: string;
  @IsOptional()
  @Transform(emptyToUndefined)
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  DA_BASE_URL?: string;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(100) DA_REQUEST_TIMEOUT_MS?: number;
}

export interface DonationAlertsConfig {
  /** Unset: the dashboard explains that connecting DonationAlerts is not configured. */
  clientId?: string;
  clientSecret?: string;
  baseUrl: string;
  scopes: string[];
  /** A DonationAlerts request without an answer for this long fails (and counts as an error for backoff). */
  requestTimeoutMs: number;
}

export const donationAlertsNamespace = defineNamespace({
  key: 'donationAlerts',
  env: DonationAlertsEnv,
  build: (env): DonationAlertsConfig => ({
    clientId: env.DA_CLIENT_ID,
    clientSecret: env.DA_CLIENT_SECRET,
    baseUrl: (env.DA_BASE_URL ?? 'https://www.donationalerts.com').replace(/\/+$/, ''),
    scopes: DONATION_ALERTS_SCOPES,
    requestTimeoutMs: env.DA_REQUEST_TIMEOUT_MS ?? 10_000,
  }),
  check: ({ clientId, clientSecret }) =>
    Boolean(clientId) === Boolean(clientSecret)
      ? []
      : ['DA_CLIENT_ID and DA_CLIENT_SECRET must be set together'],
});
