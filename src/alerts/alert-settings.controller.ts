import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentStreamer, StreamerSession } from '../sessions';
import { requireKnownStreamer, StreamersRepository } from '../streamers';
import type { AlertSettings } from './alert-settings';
import { UpdateAlertSettingsDto } from './alert-settings.dto';
import { AlertSettingsService } from './alert-settings.service';

/** The dashboard's «Оповещения» form, for the logged-in streamer. */
@ApiTags('alerts')
@Controller('api/alerts/settings')
@StreamerSession()
export class AlertSettingsController {
  constructor(
    private readonly settings: AlertSettingsService,
    private readonly streamers: StreamersRepository,
  ) {}

  @Get()
  @ApiOperation({
    summary: "The streamer's alert settings: text, minimums, tiers, tts, moderation (session)",
  })
  async get(@CurrentStreamer() streamerId: string): Promise<AlertSettings> {
    await requireKnownStreamer(this.streamers, streamerId);
    return this.settings.get(streamerId);
  }

  @Put()
  @ApiOperation({
    summary:
      'Saves any of the sections; open overlays apply them at once (session; 400 per field, nothing saved)',
  })
  async put(
    @CurrentStreamer() streamerId: string,
    @Body() body: UpdateAlertSettingsDto,
  ): Promise<AlertSettings> {
    await requireKnownStreamer(this.streamers, streamerId);
    return this.settings.update(streamerId, body);
  }
}
