import { Controller, Param, Post } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../common';
import { KnownStreamerPipe } from '../streamers';
import { TestAlerts } from './test-alerts.service';

@ApiTags('admin')
@AdminOnly()
@Controller('api/admin/streamers')
export class AdminOverlayController {
  constructor(private readonly testAlerts: TestAlerts) {}

  @Post(':streamerId/test-alert')
  @ApiOperation({ summary: "Shows a test alert on a streamer's overlay" })
  @ApiNotFoundResponse({ description: 'No such streamer' })
  async testAlert(
    @Param('streamerId', KnownStreamerPipe) streamerId: string,
  ): Promise<{ donationId: string }> {
    return { donationId: await this.testAlerts.send(streamerId) };
  }
}
