import { Controller, Get, HttpCode, NotFoundException, Param, Post } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../common';
import { requireKnownStreamer, StreamersRepository } from '../streamers';
import { DonationAlertsScheduler, type PollResult } from './donation-alerts-scheduler';
import { SchedulerStatsService, type SchedulerStats } from './scheduler-stats.service';

@ApiTags('scheduler')
@AdminOnly()
@Controller('api/donationalerts/scheduler')
export class SchedulerController {
  constructor(
    private readonly scheduler: DonationAlertsScheduler,
    private readonly stats: SchedulerStatsService,
    private readonly streamers: StreamersRepository,
  ) {}

  @Get('stats')
  @ApiOperation({
    summary: 'Every scheduled streamer: last and next poll, backoff, errors; budget and response times',
  })
  @ApiOkResponse({ description: 'Scheduler statistics' })
  getStats(): Promise<SchedulerStats> {
    return this.stats.collect();
  }

  @Post('force-poll/:streamerId')
  @HttpCode(200)
  @ApiOperation({ summary: 'Polls the streamer now (respecting the lock and rate limits)' })
  @ApiNotFoundResponse({ description: 'Unknown streamer, or DonationAlerts not connected' })
  async forcePoll(@Param('streamerId') streamerId: string): Promise<PollResult & { streamerId: string }> {
    await this.requireScheduled(streamerId);
    return { streamerId, ...(await this.scheduler.pollOne(streamerId)) };
  }

  @Post('reset-backoff/:streamerId')
  @HttpCode(200)
  @ApiOperation({ summary: "Clears the streamer's backoff and makes it due now" })
  @ApiNotFoundResponse({ description: 'Unknown streamer, or DonationAlerts not connected' })
  async resetBackoff(@Param('streamerId') streamerId: string): Promise<{ streamerId: string; backoff: 0 }> {
    await this.requireScheduled(streamerId);
    await this.scheduler.resetBackoff(streamerId);
    return { streamerId, backoff: 0 };
  }

  private async requireScheduled(streamerId: string): Promise<void> {
    await requireKnownStreamer(this.streamers, streamerId);
    if (!(await this.scheduler.isScheduled(streamerId))) {
      throw new NotFoundException(`Streamer ${streamerId} has no working DonationAlerts connection to poll`);
    }
  }
}
