import { Global, Module, type DynamicModule } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { redisOrMemory } from '../redis';
import { DatabaseLockProvider } from './database-lock.provider';
import { LeaderService } from './leader.service';
import { LockProvider } from './lock-provider';
import { LocksOptions } from './locks.options';
import { RedisLockProvider } from './redis-lock.provider';

/** Fenced locks (Redis, or the database in single-instance mode) and the cluster leader. */
@Global()
@Module({})
export class LocksModule {
  static forRoot(options: LocksOptions): DynamicModule {
    return {
      module: LocksModule,
      providers: [
        { provide: LocksOptions, useValue: options },
        redisOrMemory<LockProvider, [DataSource]>(LockProvider, {
          redis: (redis) => new RedisLockProvider(redis),
          memory: (dataSource) => new DatabaseLockProvider(dataSource, options.instanceId),
          inject: [DataSource],
        }),
        LeaderService,
      ],
      exports: [LockProvider, LeaderService],
    };
  }
}
