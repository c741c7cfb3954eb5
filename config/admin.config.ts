import { Transform } from 'class-transformer';
import { IsOptional, MinLength } from 'class-validator';
import { defineNamespace } from './config-namespace';
import { emptyToUndefined } from './env-parsing';

export class AdminEnv {
  @IsOptional()
  @Transform(emptyToUndefined)
  @MinLength(16, { message: 'ADMIN_API_KEY must be at least 16 characters (try: openssl rand -hex 32)' })
  ADMIN_API_KEY?: string;
}

export interface AdminConfig {
  /** Unset means admin routes answer 503: they are never open by default. */
  apiKey?: string;
}

export const adminNamespace = defineNamespace({
  key: 'admin',
  env: AdminEnv,
  build: (env): AdminConfig => ({ apiKey: env.ADMIN_API_KEY }),
});
