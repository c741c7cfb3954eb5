import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ClusterHealthIndicator } from './cluster.health';
import { HealthController } from './health.controller';
import { RedisHealthIndicator } from './redis.health';
import { SchemaHealthIndicator } from './schema.health';

@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'pretty' })],
  controllers: [HealthController],
  providers: [RedisHealthIndicator, ClusterHealthIndicator, SchemaHealthIndicator],
})
export class HealthModule {}
