import { Controller, Get, Headers, NotFoundException, Param, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { StreamersRepository } from '../streamers/streamers.repository';
import { OverlayStreams } from './overlay-streams.service';

@ApiTags('overlay')
@Controller('overlay')
export class OverlayEventsController {
  constructor(
    private readonly streamers: StreamersRepository,
    private readonly streams: OverlayStreams,
  ) {}

  /**
   * Written by hand rather than with @Sse(): the stream needs a `retry:` line, `:` comment heartbeats and an
   * id-clearing `reset` frame, none of which Nest's MessageEvent serialiser can produce, and it must answer an
   * unknown token with a 404 before any SSE header is sent.
   */
  @Get(':token/events')
  @ApiOperation({ summary: 'The overlay SSE stream: donation and test alerts, replay after Last-Event-ID' })
  async events(
    @Param('token') token: string,
    @Headers('last-event-id') lastEventIdHeader: string | undefined,
    @Query('lastEventId') lastEventIdQuery: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    const streamer = await this.streamers.findByOverlayToken(token);
    if (!streamer) {
      throw new NotFoundException('Unknown overlay');
    }
    await this.streams.serve(streamer.id, lastEventIdHeader || lastEventIdQuery || undefined, res);
  }
}
