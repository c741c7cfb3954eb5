import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DataSource } from 'typeorm';
import type { AllConfig } from '../../config';
import { RedisConnection } from '../redis';
import { DatabaseLockProvider } from './database-lock.provider';
import { LeaderService } from './leader.service';
import { LockProvider } from './lock-provider';
import { RedisLockProvider } from './redis-lock.provider';

@Global()
@Module({
  providers: [
    {
      provide: LockProvider,
      inject: [RedisConnection, DataSource, ConfigService],
      useFactory: (redis: RedisConnection, dataSource: DataSource, config: ConfigService<AllConfig, true>) =>
        redis.client
          ? new RedisLockProvider(redis)
          : new DatabaseLockProvider(dataSource, config.get('app.instanceId', { infer: true })),
    },
    LeaderService,
  ],
  exports: [LockProvider, LeaderService],
})
export class LocksModule {}
