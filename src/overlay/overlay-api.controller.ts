import { Controller, HttpCode, Post, Req, UnauthorizedException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import type { AllConfig } from '../../config';
import { EventBus } from '../../libs/event-bus';
import { SessionService } from '../auth/session.service';
import { StreamersRepository } from '../streamers/streamers.repository';
import { OverlayTopics, type TokenRotated } from './overlay.events';
import { TestAlerts } from './test-alerts.service';

/** The dashboard's overlay actions, for the logged-in streamer. */
@ApiTags('overlay')
@Controller('api/overlay')
export class OverlayApiController {
  private readonly publicUrl: string;

  constructor(
    private readonly sessions: SessionService,
    private readonly streamers: StreamersRepository,
    private readonly testAlerts: TestAlerts,
    private readonly bus: EventBus,
    config: ConfigService<AllConfig, true>,
  ) {
    this.publicUrl = config.get('app.publicUrl', { infer: true });
  }

  @Post('test-alert')
  @ApiOperation({ summary: 'Shows a test alert on the overlay (session)' })
  async testAlert(@Req() req: Request): Promise<{ donationId: string }> {
    return { donationId: await this.testAlerts.send(this.streamerOf(req)) };
  }

  @Post('rotate-token')
  @HttpCode(200)
  @ApiOperation({ summary: 'Replaces the overlay URL; open streams of the old one close on every instance' })
  async rotateToken(@Req() req: Request): Promise<{ overlayUrl: string }> {
    const streamerId = this.streamerOf(req);
    const token = await this.streamers.rotateOverlayToken(streamerId);
    await this.bus.publish<TokenRotated>(OverlayTopics.tokenRotated, { streamerId });
    return { overlayUrl: `${this.publicUrl}/overlay/${token}` };
  }

  private streamerOf(req: Request): string {
    const streamerId = this.sessions.streamerId(req);
    if (!streamerId) {
      throw new UnauthorizedException('Log in first');
    }
    return streamerId;
  }
}
