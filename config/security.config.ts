import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { defineNamespace } from './config-namespace';
import { emptyToUndefined, toInteger } from './env-parsing';

export class SecurityEnv {
  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^([A-Za-z0-9+/]{43}=|[A-Za-z0-9_-]{43}|[0-9a-fA-F]{64})$/, {
    message:
      'APP_ENCRYPTION_KEY must be 32 bytes as base64 or 64 hex characters (try: openssl rand -base64 32)',
  })
  APP_ENCRYPTION_KEY?: string;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(1) @Max(365) SESSION_TTL_DAYS?: number;
}

export interface SecurityConfig {
  /** The master key (32 bytes) tokens are encrypted with and sessions signed with; see Keyring. */
  encryptionKey?: Buffer;
  sessionTtlMs: number;
}

function decodeKey(value: string): Buffer {
  return /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
}

export const securityNamespace = defineNamespace({
  key: 'security',
  env: SecurityEnv,
  build: (env): SecurityConfig => ({
    encryptionKey: env.APP_ENCRYPTION_KEY ? decodeKey(env.APP_ENCRYPTION_KEY) : undefined,
    sessionTtlMs: (env.SESSION_TTL_DAYS ?? 30) * 24 * 3_600_000,
  }),
});
