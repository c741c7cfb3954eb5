import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { InjectConfig, type AppConfig } from '../../config';
import { EventBus } from '../../libs/event-bus';
import { CurrentStreamer, StreamerSession } from '../sessions';
import { StreamersRepository } from '../streamers';
import { OverlayControls } from './overlay-controls.service';
import type { OverlayControlAction } from './overlay-event';
import { OverlayTopics, type TokenRotated } from './overlay.events';
import { TestAlertDto } from './test-alert.dto';
import { TestAlerts } from './test-alerts.service';

/** The dashboard's overlay actions, for the logged-in streamer. */
@ApiTags('overlay')
@Controller('api/overlay')
@StreamerSession()
export class OverlayApiController {
  private readonly publicUrl: string;

  constructor(
    private readonly streamers: StreamersRepository,
    private readonly testAlerts: TestAlerts,
    private readonly controls: OverlayControls,
    private readonly bus: EventBus,
    @InjectConfig('app') app: AppConfig,
  ) {
    this.publicUrl = app.publicUrl;
  }

  @Post('test-alert')
  @ApiOperation({
    summary:
      'Shows a test alert on the overlay, of an amount and currency if sent (the tier it reaches plays; session)',
  })
  async testAlert(
    @CurrentStreamer() streamerId: string,
    @Body() body: TestAlertDto,
  ): Promise<{ donationId: string }> {
    const { amount, currency } = body;
    return { donationId: await this.testAlerts.send(streamerId, { amount, currency }) };
  }

  @Post('replay/:donationId')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Plays a stored donation again on every open overlay; nothing stored, no thank-you (session; 404)',
  })
  replay(
    @CurrentStreamer() streamerId: string,
    @Param('donationId') donationId: string,
  ): Promise<{ donationId: string }> {
    return this.controls.replay(streamerId, donationId);
  }

  @Post('skip')
  @HttpCode(200)
  @ApiOperation({ summary: 'Ends the alert on screen now (session)' })
  skip(@CurrentStreamer() streamerId: string): Promise<{ action: OverlayControlAction }> {
    return this.controls.control(streamerId, 'skip');
  }

  @Post('pause')
  @HttpCode(200)
  @ApiOperation({ summary: 'Holds the alert queue: alerts wait, in order, until resume (session)' })
  pause(@CurrentStreamer() streamerId: string): Promise<{ action: OverlayControlAction }> {
    return this.controls.control(streamerId, 'pause');
  }

  @Post('resume')
  @HttpCode(200)
  @ApiOperation({ summary: 'Plays the waiting alerts again, in order (session)' })
  resume(@CurrentStreamer() streamerId: string): Promise<{ action: OverlayControlAction }> {
    return this.controls.control(streamerId, 'resume');
  }

  @Post('rotate-token')
  @HttpCode(200)
  @ApiOperation({ summary: 'Replaces the overlay URL; open streams of the old one close on every instance' })
  async rotateToken(@CurrentStreamer() streamerId: string): Promise<{ overlayUrl: string }> {
    const token = await this.streamers.rotateOverlayToken(streamerId);
    await this.bus.publish<TokenRotated>(OverlayTopics.tokenRotated, { streamerId });
    return { overlayUrl: `${this.publicUrl}/overlay/${token}` };
  }
}
