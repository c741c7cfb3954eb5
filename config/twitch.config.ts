import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, IsUrl, Matches, Min } from 'class-validator';
import { defineNamespace } from './config-namespace';
import { emptyToUndefined, toInteger } from './env-parsing';

const BASE_URL = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };

export class TwitchEnv {
  @IsOptional() @Transform(emptyToUndefined) @IsString() TWITCH_CLIENT_ID?: string;
  @IsOptional() @Transform(emptyToUndefined) @IsString() TWITCH_CLIENT_SECRET?: string;
  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^[a-z0-9:_]+( [a-z0-9:_]+)*$/, {
    message: 'TWITCH_SCOPES must be space-separated scopes, e.g. "chat:read"',
  })
  TWITCH_SCOPES?: string;
  @IsOptional() @Transform(emptyToUndefined) @IsUrl(BASE_URL) TWITCH_AUTH_BASE_URL?: string;
  @IsOptional() @Transform(emptyToUndefined) @IsUrl(BASE_URL) TWITCH_API_BASE_URL?: string;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(60_000) TWITCH_VALIDATE_INTERVAL_MS?: number;
}

export interface TwitchConfig {
  /** Unset: the landing page explains that login is not configured. */
  clientId?: string;
  clientSecret?: string;
  scopes: string[];
  authBaseUrl: string;
  apiBaseUrl: string;
  /** Twitch requires validating every token at start and hourly. */
  validateIntervalMs: number;
}

const trimSlash = (url: string) => url.replace(/\/+$/, '');

export const twitchNamespace = defineNamespace({
  key: 'twitch',
  env: TwitchEnv,
  build: (env): TwitchConfig => ({
    clientId: env.TWITCH_CLIENT_ID,
    clientSecret: env.TWITCH_CLIENT_SECRET,
    scopes: (env.TWITCH_SCOPES ?? 'chat:read').split(' '),
    authBaseUrl: trimSlash(env.TWITCH_AUTH_BASE_URL ?? 'https://id.twitch.tv'),
    apiBaseUrl: trimSlash(env.TWITCH_API_BASE_URL ?? 'https://api.twitch.tv'),
    validateIntervalMs: env.TWITCH_VALIDATE_INTERVAL_MS ?? 3_600_000,
  }),
  check: ({ clientId, clientSecret }) =>
    Boolean(clientId) === Boolean(clientSecret)
      ? []
      : ['TWITCH_CLIENT_ID and TWITCH_CLIENT_SECRET must be set together'],
});
