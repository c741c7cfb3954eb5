import { Global, Module, type DynamicModule } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { Clock } from '../clock';
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
        redisOrMemory<EventBus, [Clock]>(EventBus, {
          redis: (redis, clock) => new RedisEventBus(redis, instanceId, clock),
          memory: (clock) => new LocalEventBus(instanceId, clock),
          inject: [Clock],
        }),
      ],
      exports: [EventBus],
    };
  }
}
