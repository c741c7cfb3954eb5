import { Module, type DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { AllConfig } from '../config';
import { typedConfigModule } from '../config/config.module';
import { ClockModule } from '../libs/clock';
import { EventBusModule } from '../libs/event-bus';
import { LocksModule } from '../libs/locks';
import { RedisModule } from '../libs/redis';
import { buildLoggerParams } from './common';
import { DatabaseModule } from './database';
import { DonationsModule } from './donations';
import { HealthModule } from './health';
import { MetricsModule } from './metrics';
import { StreamersModule } from './streamers';
import { AuthModule } from './auth';
import { ENTITIES } from './app.entities';
import { JobsModule } from './jobs';
import { SchedulerModule } from './scheduler';
import { OAuthModule } from './oauth';
import { OverlayModule } from './overlay';
import { RealtimeModule } from './realtime';
import { AlertsModule } from './alerts';
import { ControlRoomModule } from './control-room';
import { BotsModule } from './bots';
import { SecurityModule } from './security';
import { WebhooksModule } from './webhooks';
import { SessionsModule } from './sessions';
import { TwitchModule } from './twitch';
import { WebModule } from './web';

@Module({})
export class AppModule {
  /** The whole application for an already validated configuration (see `loadConfig`). */
  static forRoot(config: AllConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        typedConfigModule(config),
        LoggerModule.forRoot(buildLoggerParams(config.app)),
        ClockModule,
        DatabaseModule.forRoot(config.database, ENTITIES),
        SecurityModule,
        RedisModule.forRoot(config.redis),
        LocksModule.forRoot({ instanceId: config.app.instanceId, leader: config.leader }),
        EventBusModule.forRoot({ instanceId: config.app.instanceId }),
        MetricsModule,
        HealthModule,
        StreamersModule,
        DonationsModule,
        OAuthModule,
        SessionsModule,
        TwitchModule,
        AuthModule,
        WebModule,
        SchedulerModule,
        WebhooksModule,
        AlertsModule,
        ControlRoomModule,
        OverlayModule,
        RealtimeModule,
        BotsModule,
        JobsModule,
      ],
    };
  }
}
