import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { BotsModule } from '../bots';
import { RealtimeModule } from '../realtime';
import { BotsHealthIndicator } from './bots.health';
import { ClusterHealthIndicator } from './cluster.health';
import { HealthController } from './health.controller';
import { RealtimeHealthIndicator } from './realtime.health';
import { RedisHealthIndicator } from './redis.health';
import { SchemaHealthIndicator } from './schema.health';

@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'pretty' }), RealtimeModule, BotsModule],
  controllers: [HealthController],
  providers: [
    RedisHealthIndicator,
    ClusterHealthIndicator,
    SchemaHealthIndicator,
    RealtimeHealthIndicator,
    BotsHealthIndicator,
  ],
})
export class HealthModule {}
