import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../common';
import { RealtimeStatsService, type RealtimeStats } from './realtime-stats.service';

@ApiTags('donationalerts')
@AdminOnly()
@Controller('api/donationalerts/realtime')
export class RealtimeController {
  constructor(private readonly stats: RealtimeStatsService) {}

  @Get('stats')
  @ApiOperation({ summary: 'Realtime sockets of the whole cluster: state, owner, last push, reconnects' })
  get(): Promise<RealtimeStats> {
    return this.stats.stats();
  }
}
