import { Global, Module } from '@nestjs/common';
import { getConfigToken } from '@nestjs/config';
import type { DatabaseConfig, SecurityConfig } from '../../config';
import { Keyring } from './keyring';
import { TokenCipher } from './token-cipher';

@Global()
@Module({
  providers: [
    {
      provide: Keyring,
      inject: [getConfigToken('security'), getConfigToken('database')],
      useFactory: (security: SecurityConfig, database: DatabaseConfig) => Keyring.load(security, database),
    },
    TokenCipher,
  ],
  exports: [Keyring, TokenCipher],
})
export class SecurityModule {}
