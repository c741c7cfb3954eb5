import { Global, Module, type DynamicModule } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { redisOrMemory } from '../redis';
import { EventBus } from './event-bus';
import { LocalEventBus } from './local-event-bus';
import { RedisEventBus } from './redis-event-bus';

export interface EventBusOptions {
  /** This instance's name, carried by every message it publishes. */
  instanceId: string;
}

/** In-process events (`@nestjs/event-emitter`) plus the cross-instance `EventBus`. */
@Global()
@Module({})
export class EventBusModule {
  static forRoot({ instanceId }: EventBusOptions): DynamicModule {
    return {
      module: EventBusModule,
      imports: [EventEmitterModule.forRoot({ wildcard: false, ignoreErrors: false })],
      providers: [
        redisOrMemory<EventBus>(EventBus, {
          redis: (redis) => new RedisEventBus(redis, instanceId),
          memory: () => new LocalEventBus(instanceId),
        }),
      ],
      exports: [EventBus],
    };
  }
}
