import { Controller, Get, Header, Headers, NotFoundException, Param, Query, Req, Res } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { AllConfig } from '../../config';
import { StreamersRepository } from '../streamers/streamers.repository';
import { localeFrom } from '../web/i18n';
import { OVERLAY_CSS, OVERLAY_JS } from './overlay-assets';
import { overlayPage } from './overlay-page';
import { OverlayStreams } from './overlay-streams.service';

/** What OBS loads: the overlay page, its assets and its SSE stream. The token in the path is the credential. */
@ApiTags('overlay')
@Controller()
export class OverlayController {
  private readonly alertDurationMs: number;

  constructor(
    private readonly streamers: StreamersRepository,
    private readonly streams: OverlayStreams,
    config: ConfigService<AllConfig, true>,
  ) {
    this.alertDurationMs = config.get('overlay.alertDurationMs', { infer: true });
  }

  @Get('overlay/:token')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'The overlay page for an OBS browser source (1920×1080, transparent)' })
  async page(@Param('token') token: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.streamerOf(token);
    res.type('html').send(
      overlayPage(localeFrom(req.headers['accept-language']), {
        eventsUrl: `/overlay/${encodeURIComponent(token)}/events`,
        alertDurationMs: this.alertDurationMs,
      }),
    );
  }

  /**
   * Written by hand rather than with @Sse(): the stream needs a `retry:` line, `:` comment heartbeats and an
   * id-clearing `reset` frame, none of which Nest's MessageEvent serialiser can produce, and it must answer an
   * unknown token with a 404 before any SSE header is sent.
   */
  @Get('overlay/:token/events')
  @ApiOperation({ summary: 'The overlay SSE stream: donation and test alerts, replay after Last-Event-ID' })
  async events(
    @Param('token') token: string,
    @Headers('last-event-id') lastEventIdHeader: string | undefined,
    @Query('lastEventId') lastEventIdQuery: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    const streamerId = await this.streamerOf(token);
    await this.streams.serve(streamerId, lastEventIdHeader || lastEventIdQuery || undefined, res);
  }

  @Get('assets/overlay.css')
  @Header('Content-Type', 'text/css; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=3600')
  @ApiOperation({ summary: "The overlay page's stylesheet" })
  css(): string {
    return OVERLAY_CSS;
  }

  @Get('assets/overlay.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=3600')
  @ApiOperation({ summary: "The overlay page's script" })
  script(): string {
    return OVERLAY_JS;
  }

  private async streamerOf(token: string): Promise<string> {
    const streamer = await this.streamers.findByOverlayToken(token);
    if (!streamer) {
      throw new NotFoundException('Unknown overlay');
    }
    return streamer.id;
  }
}
