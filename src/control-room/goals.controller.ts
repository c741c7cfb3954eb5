import { Body, Controller, Get, HttpCode, Post, Put, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentStreamer, StreamerSession } from '../sessions';
import { requireKnownStreamer, StreamersRepository } from '../streamers';
import { GoalDto, TopQueryDto } from './goal.dto';
import { GoalsService, type GoalView, type TopDonorsView } from './goals.service';

/** The goal bar's settings, the stream mark and the top donors, for the logged-in streamer. */
@ApiTags('control room')
@Controller('api')
@StreamerSession()
export class GoalsController {
  constructor(
    private readonly goals: GoalsService,
    private readonly streamers: StreamersRepository,
  ) {}

  @Get('goal')
  @ApiOperation({ summary: 'The active goal with what it has raised (session; 404 when none is set)' })
  async goal(@CurrentStreamer() streamerId: string): Promise<GoalView> {
    await requireKnownStreamer(this.streamers, streamerId);
    return this.goals.active(streamerId);
  }

  @Put('goal')
  @ApiOperation({
    summary: 'Changes the active goal, or starts a new one with startNew (session; 400 per field)',
  })
  async save(@CurrentStreamer() streamerId: string, @Body() body: GoalDto): Promise<GoalView> {
    await requireKnownStreamer(this.streamers, streamerId);
    return this.goals.save(streamerId, body);
  }

  @Get('goals')
  @ApiOperation({ summary: 'Every goal, newest first, each with what it raised (session)' })
  async all(@CurrentStreamer() streamerId: string): Promise<{ goals: GoalView[] }> {
    await requireKnownStreamer(this.streamers, streamerId);
    return { goals: await this.goals.all(streamerId) };
  }

  @Post('stream/start')
  @HttpCode(200)
  @ApiOperation({ summary: '«Начать эфир»: the top donors of the stream count from now (session)' })
  async startStream(@CurrentStreamer() streamerId: string): Promise<{ startedAt: number }> {
    await requireKnownStreamer(this.streamers, streamerId);
    return this.goals.markStreamStart(streamerId);
  }

  @Get('donations/top')
  @ApiOperation({
    summary: 'Top 10 donors by total for period=stream|week|month|all in one currency (session)',
  })
  async top(@CurrentStreamer() streamerId: string, @Query() query: TopQueryDto): Promise<TopDonorsView> {
    await requireKnownStreamer(this.streamers, streamerId);
    return this.goals.top(streamerId, query);
  }
}
