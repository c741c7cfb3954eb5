import { Controller, Get, Header, Headers, Param, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { InjectConfig, type OverlayConfig } from '../../config';
import { AlertSettingsService, presentationOf } from '../alerts';
import { StreamersRepository } from '../streamers';
import { localeFrom } from '../common';
import { AvatarWall } from './avatar-wall.service';
import { avatarsPage } from './avatars-page';
import { overlayPage } from './overlay-page';
import { OverlayStreams, type OverlaySnapshot } from './overlay-streams.service';
import { OverlayControls } from './overlay-controls.service';
import { overlayStreamerId } from './overlay-token';

/**
 * What OBS loads: the alert page, the avatar wall page and their one SSE stream (the pages' scripts and styles
 * are static files, see `web/public-assets.ts`). The token in the path is the credential.
 */
@ApiTags('overlay')
@Controller()
export class OverlayController {
  private readonly alertDurationMs: number;

  constructor(
    private readonly streamers: StreamersRepository,
    private readonly streams: OverlayStreams,
    private readonly avatars: AvatarWall,
    private readonly alertSettings: AlertSettingsService,
    private readonly controls: OverlayControls,
    @InjectConfig('overlay') overlay: OverlayConfig,
  ) {
    this.alertDurationMs = overlay.alertDurationMs;
  }

  @Get('overlay/:token')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'The overlay page for an OBS browser source (1920×1080, transparent)' })
  async page(@Param('token') token: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.streamerOf(token);
    const base = `/overlay/${encodeURIComponent(token)}`;
    res.type('html').send(
      overlayPage(localeFrom(req.headers['accept-language']), {
        eventsUrl: `${base}/events`,
        mediaUrl: `${base}/media`,
        ttsUrl: `${base}/tts`,
        alertDurationMs: this.alertDurationMs,
      }),
    );
  }

  @Get('overlay/:token/avatars')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'The avatar wall page for an OBS browser source: viewers who write in chat' })
  async avatarsPage(@Param('token') token: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.streamerOf(token);
    res.type('html').send(
      avatarsPage(localeFrom(req.headers['accept-language']), {
        eventsUrl: `/overlay/${encodeURIComponent(token)}/events?wall=1`,
      }),
    );
  }

  /**
   * Written by hand rather than with @Sse(): the stream needs a `retry:` line, `:` comment heartbeats and an
   * id-clearing `reset` frame, none of which Nest's MessageEvent serialiser can produce, and it must answer an
   * unknown token with a 404 before any SSE header is sent.
   */
  @Get('overlay/:token/events')
  @ApiOperation({
    summary:
      'The overlay SSE stream: donation and test alerts, settings, chatter and chatter-left, replay after ' +
      'Last-Event-ID; it starts with a settings event (the current alert settings), with ?wall=1 with a wall ' +
      'event (the current avatar wall) instead',
  })
  async events(
    @Param('token') token: string,
    @Headers('last-event-id') lastEventIdHeader: string | undefined,
    @Query('lastEventId') lastEventIdQuery: string | undefined,
    @Query('wall') wall: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    const streamerId = await this.streamerOf(token);
    const snapshot =
      wall === '1'
        ? async (): Promise<OverlaySnapshot> => ({
            type: 'wall',
            data: await this.avatars.snapshot(streamerId),
            supersedes: ['chatter', 'chatter-left'],
          })
        : async (): Promise<OverlaySnapshot> => {
            const [settings, paused] = await Promise.all([
              this.alertSettings.get(streamerId),
              this.controls.isPaused(streamerId),
            ]);
            // Earlier controls are in the snapshot (paused or not); an old skip would end an unrelated alert.
            return {
              type: 'settings',
              data: presentationOf(settings),
              then: paused ? [{ type: 'control', data: { action: 'pause' } }] : [],
              supersedes: ['settings', 'control'],
            };
          };
    await this.streams.serve(streamerId, lastEventIdHeader || lastEventIdQuery || undefined, res, snapshot);
  }

  private streamerOf(token: string): Promise<string> {
    return overlayStreamerId(this.streamers, token);
  }
}
