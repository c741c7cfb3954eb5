import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { EventEmitterModule } from '@nestjs/event-emitter';
import type { AllConfig } from '../../config';
import { redisOrMemory } from '../redis';
import { EventBus } from './event-bus';
import { LocalEventBus } from './local-event-bus';
import { RedisEventBus } from './redis-event-bus';

/** In-process events (`@nestjs/event-emitter`) plus the cross-instance `EventBus`. */
@Global()
@Module({
  imports: [EventEmitterModule.forRoot({ wildcard: false, ignoreErrors: false })],
  providers: [
    redisOrMemory<EventBus, [ConfigService<AllConfig, true>]>(EventBus, {
      redis: (redis, config) => new RedisEventBus(redis, config.get('app.instanceId', { infer: true })),
      memory: (config) => new LocalEventBus(config.get('app.instanceId', { infer: true })),
      inject: [ConfigService],
    }),
  ],
  exports: [EventBus],
})
export class EventBusModule {}
