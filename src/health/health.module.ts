import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { RealtimeModule } from '../realtime';
import { ClusterHealthIndicator } from './cluster.health';
import { HealthController } from './health.controller';
import { RealtimeHealthIndicator } from './realtime.health';
import { RedisHealthIndicator } from './redis.health';
import { SchemaHealthIndicator } from './schema.health';

@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'pretty' }), RealtimeModule],
  controllers: [HealthController],
  providers: [RedisHealthIndicator, ClusterHealthIndicator, SchemaHealthIndicator, RealtimeHealthIndicator],
})
export class HealthModule {}
