import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AlertsModule } from '../alerts';
import { BotsModule } from '../bots';
import { RealtimeModule } from '../realtime';
import { BotsHealthIndicator } from './bots.health';
import { ClusterHealthIndicator } from './cluster.health';
import { HealthController } from './health.controller';
import { RealtimeHealthIndicator } from './realtime.health';
import { RedisHealthIndicator } from './redis.health';
import { SchemaHealthIndicator } from './schema.health';
import { TtsHealthIndicator } from './tts.health';

@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'pretty' }), RealtimeModule, BotsModule, AlertsModule],
  controllers: [HealthController],
  providers: [
    RedisHealthIndicator,
    ClusterHealthIndicator,
    SchemaHealthIndicator,
    RealtimeHealthIndicator,
    BotsHealthIndicator,
    TtsHealthIndicator,
  ],
})
export class HealthModule {}
