import {
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  UploadedFile,
  UseInterceptors,
} from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentStreamer, StreamerSession } from '../../sessions';
import { requireKnownStreamer, StreamersRepository } from '../../streamers';
import {
  ACCEPTED_MEDIA_TEXT,
  AlertMediaService,
  MEDIA_FIELD,
  type AlertMediaList,
  type AlertMediaView,
  type UploadedMediaFile,
} from './alert-media.service';
import { MediaUploadInterceptor } from './media-upload.interceptor';

/** The dashboard's uploads for alert tiers, for the logged-in streamer. */
@ApiTags('alerts')
@Controller('api/alerts/media')
@StreamerSession()
export class AlertMediaController {
  constructor(
    private readonly media: AlertMediaService,
    private readonly streamers: StreamersRepository,
  ) {}

  @Post()
  @UseInterceptors(MediaUploadInterceptor)
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: [MEDIA_FIELD],
      properties: { [MEDIA_FIELD]: { type: 'string', format: 'binary' } },
    },
  })
  @ApiOperation({
    summary:
      `Uploads ${ACCEPTED_MEDIA_TEXT}, told by its bytes (session; 400 without a file, 413 above the size ` +
      'limit or the quota, 415 for any other type; nothing stored then)',
  })
  async upload(
    @CurrentStreamer() streamerId: string,
    @UploadedFile() file: UploadedMediaFile | undefined,
  ): Promise<AlertMediaView> {
    await requireKnownStreamer(this.streamers, streamerId);
    return this.media.upload(streamerId, file);
  }

  @Get()
  @ApiOperation({
    summary: "The streamer's uploads (without their bytes), usedBytes and quotaBytes (session)",
  })
  async list(@CurrentStreamer() streamerId: string): Promise<AlertMediaList> {
    await requireKnownStreamer(this.streamers, streamerId);
    return this.media.list(streamerId);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Deletes an upload; tiers that used it go without it (session; not the streamer’s own → 404)',
  })
  async delete(@CurrentStreamer() streamerId: string, @Param('id') id: string): Promise<void> {
    await requireKnownStreamer(this.streamers, streamerId);
    await this.media.delete(streamerId, id);
  }
}
