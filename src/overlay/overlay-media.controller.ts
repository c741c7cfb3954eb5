import { Controller, Get, Headers, Param, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { AlertMediaService } from '../alerts';
import { ifNoneMatchHolds } from '../common';
import { StreamersRepository } from '../streamers';
import { overlayStreamerId } from './overlay-token';

/**
 * The images and sounds of a streamer's alert tiers, for the overlay page in OBS: the token in the path is the
 * credential, as for the page itself. An upload never changes (a new file gets a new id), so it is cached for
 * good and revalidated by its SHA-256.
 */
@ApiTags('overlay')
@Controller()
export class OverlayMediaController {
  constructor(
    private readonly streamers: StreamersRepository,
    private readonly media: AlertMediaService,
  ) {}

  @Get('overlay/:token/media/:id')
  @ApiOperation({
    summary: "An uploaded image or sound of the overlay's streamer, with its ETag; unknown token or id → 404",
  })
  async file(
    @Param('token') token: string,
    @Param('id') id: string,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    const streamerId = await overlayStreamerId(this.streamers, token);
    const served = await this.media.served(streamerId, id);
    const etag = `"${served.sha256}"`;
    const cacheHeaders = {
      ETag: etag,
      'Cache-Control': 'public, max-age=31536000, immutable',
      'X-Content-Type-Options': 'nosniff',
    };
    if (ifNoneMatchHolds(ifNoneMatch, etag)) {
      res.status(304).set(cacheHeaders).end();
      return;
    }
    const bytes = await this.media.bytes(streamerId, id);
    res
      .status(200)
      .set(cacheHeaders)
      .type(served.mimeType)
      .set('Content-Length', String(bytes.length))
      .end(bytes);
  }
}
