import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  TypeOrmHealthIndicator,
  type HealthCheckResult,
} from '@nestjs/terminus';
import { ClusterHealthIndicator } from './cluster.health';
import { BotsHealthIndicator } from './bots.health';
import { RealtimeHealthIndicator } from './realtime.health';
import { RedisHealthIndicator } from './redis.health';
import { SchemaHealthIndicator } from './schema.health';
import { TtsHealthIndicator } from './tts.health';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    private readonly cluster: ClusterHealthIndicator,
    private readonly schema: SchemaHealthIndicator,
    private readonly realtime: RealtimeHealthIndicator,
    private readonly bots: BotsHealthIndicator,
    private readonly tts: TtsHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  @ApiOperation({
    summary:
      'Full status: database, schema, Redis, cluster role, realtime sockets, chat bots, text-to-speech',
  })
  check(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.database.pingCheck('database').withTimeout(1500),
      () => this.schema.check(),
      () => this.redis.check(),
      () => this.cluster.check(),
      () => this.realtime.check(),
      () => this.bots.check(),
      () => this.tts.check(),
    ]);
  }

  @Get('live')
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness: the process answers' })
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: database reachable and migrated, Redis answering' })
  ready(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.database.pingCheck('database').withTimeout(1500),
      () => this.schema.check(),
      () => this.redis.check(),
    ]);
  }
}
