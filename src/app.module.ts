import { Module, type DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { AllConfig } from '../config';
import { typedConfigModule } from '../config/config.module';
import { ClockModule } from '../libs/clock';
import { EventBusModule } from '../libs/event-bus';
import { LocksModule } from '../libs/locks';
import { RedisModule } from '../libs/redis';
import { buildLoggerParams } from './common/logging/logger.options';
import { DatabaseModule } from './database/database.module';
import { DonationsModule } from './donations/donations.module';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { StreamersModule } from './streamers/streamers.module';
import { AuthModule } from './auth/auth.module';
import { ENTITIES } from './app.entities';
import { JobsModule } from './jobs/jobs.module';
import { SchedulerModule } from './scheduler/scheduler.module';
import { OAuthModule } from './oauth/oauth.module';
import { OverlayModule } from './overlay/overlay.module';
import { SecurityModule } from './security/security.module';
import { WebhooksModule } from './webhooks/webhooks.module';
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
        OverlayModule,
        JobsModule,
      ],
    };
  }
}
