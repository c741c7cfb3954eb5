import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../common';
import { KnownStreamerPipe } from '../streamers';
import { BotViews, type BotSummary } from './bot-views.service';
import { BotsService } from './bots.service';

@ApiTags('bots')
@AdminOnly()
@Controller('api/bots')
export class BotsAdminController {
  constructor(
    private readonly views: BotViews,
    private readonly bots: BotsService,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Every running bot of the cluster: status, owner, since, last error, messages sent',
  })
  list(): Promise<BotSummary[]> {
    return this.views.all();
  }

  @Post(':streamerId/restart')
  @HttpCode(202)
  @ApiOperation({
    summary: "Reconnects the streamer's bot on whichever instance owns it; unknown streamer → 404",
  })
  async restart(@Param('streamerId', KnownStreamerPipe) streamerId: string): Promise<{ restarting: string }> {
    await this.bots.changed(streamerId, true);
    return { restarting: streamerId };
  }
}
