import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Clock } from '../../libs/clock';
import { CurrentStreamer, StreamerSession } from '../sessions';
import { requireKnownStreamer, StreamersRepository } from '../streamers';
import { UpdateBotSettingsDto } from './bot-settings.dto';
import { BotViews, type BotView } from './bot-views.service';
import { BotsRepository } from './bots.repository';
import { BotsService } from './bots.service';

/** The dashboard's «Чат-бот» card, for the logged-in streamer. */
@ApiTags('bots')
@Controller('api/bot')
@StreamerSession()
export class BotSettingsController {
  constructor(
    private readonly views: BotViews,
    private readonly repository: BotsRepository,
    private readonly bots: BotsService,
    private readonly streamers: StreamersRepository,
    private readonly clock: Clock,
  ) {}

  @Get()
  @ApiOperation({ summary: "The streamer's chat bot: settings, state, owner instance (session)" })
  get(@CurrentStreamer() streamerId: string): Promise<BotView> {
    return this.views.forStreamer(streamerId);
  }

  @Put()
  @ApiOperation({ summary: 'Switches the bot on or off, saves the thank-you template (session)' })
  async put(@CurrentStreamer() streamerId: string, @Body() body: UpdateBotSettingsDto): Promise<BotView> {
    await requireKnownStreamer(this.streamers, streamerId);
    const current = await this.repository.settings(streamerId);
    await this.repository.saveSettings(
      streamerId,
      {
        enabled: body.enabled ?? current.enabled,
        template: body.template ?? current.template,
        thankTestAlerts: body.thankTestAlerts ?? current.thankTestAlerts,
      },
      this.clock.now(),
    );
    await this.bots.changed(streamerId, false);
    return this.views.forStreamer(streamerId);
  }
}
