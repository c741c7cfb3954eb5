import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../../config';
import { RedisConnection } from './redis-connection';

@Global()
@Module({
  providers: [
    {
      provide: RedisConnection,
      inject: [ConfigService],
      useFactory: (config: ConfigService<AllConfig, true>) =>
        RedisConnection.open(config.get('redis', { infer: true })),
    },
  ],
  exports: [RedisConnection],
})
export class RedisModule {}
