import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { EventEmitterModule } from '@nestjs/event-emitter';
import type { AllConfig } from '../../config';
import { RedisConnection } from '../redis';
import { EventBus } from './event-bus';
import { LocalEventBus } from './local-event-bus';
import { RedisEventBus } from './redis-event-bus';

/** In-process events (`@nestjs/event-emitter`) plus the cross-instance `EventBus`. */
@Global()
@Module({
  imports: [EventEmitterModule.forRoot({ wildcard: false, ignoreErrors: false })],
  providers: [
    {
      provide: EventBus,
      inject: [RedisConnection, ConfigService],
      useFactory: (redis: RedisConnection, config: ConfigService<AllConfig, true>) => {
        const instanceId = config.get('app.instanceId', { infer: true });
        return redis.client ? new RedisEventBus(redis, instanceId) : new LocalEventBus(instanceId);
      },
    },
  ],
  exports: [EventBus],
})
export class EventBusModule {}
