import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentStreamer, StreamerSession } from '../../sessions';
import { requireKnownStreamer, StreamersRepository } from '../../streamers';
import { ModerationService, type HeldDonation } from './moderation.service';

/** The dashboard's «На проверке» list: donations held by the banned-words filter, for the logged-in streamer. */
@ApiTags('alerts')
@Controller('api/alerts/held')
@StreamerSession()
export class HeldDonationsController {
  constructor(
    private readonly moderation: ModerationService,
    private readonly streamers: StreamersRepository,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Donations waiting for approval, oldest first, as the donor wrote them (session)',
  })
  async list(@CurrentStreamer() streamerId: string): Promise<{ held: HeldDonation[] }> {
    await requireKnownStreamer(this.streamers, streamerId);
    return { held: await this.moderation.held(streamerId) };
  }

  @Post(':donationId/approve')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Plays a held donation on the overlay and lets the bot thank it (session; 404 unknown, 409 decided)',
  })
  async approve(
    @CurrentStreamer() streamerId: string,
    @Param('donationId') donationId: string,
  ): Promise<{ donationId: string; status: 'approved' }> {
    await requireKnownStreamer(this.streamers, streamerId);
    await this.moderation.approve(streamerId, donationId);
    return { donationId, status: 'approved' };
  }

  @Post(':donationId/reject')
  @HttpCode(200)
  @ApiOperation({ summary: 'Never shows a held donation anywhere (session; 404 unknown, 409 decided)' })
  async reject(
    @CurrentStreamer() streamerId: string,
    @Param('donationId') donationId: string,
  ): Promise<{ donationId: string; status: 'rejected' }> {
    await requireKnownStreamer(this.streamers, streamerId);
    await this.moderation.reject(streamerId, donationId);
    return { donationId, status: 'rejected' };
  }
}
