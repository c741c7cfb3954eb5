import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../../config';
import { Keyring } from './keyring';
import { TokenCipher } from './token-cipher';

@Global()
@Module({
  providers: [
    {
      provide: Keyring,
      inject: [ConfigService],
      useFactory: (config: ConfigService<AllConfig, true>) =>
        Keyring.load(config.get('security', { infer: true }), config.get('database', { infer: true })),
    },
    TokenCipher,
  ],
  exports: [Keyring, TokenCipher],
})
export class SecurityModule {}
