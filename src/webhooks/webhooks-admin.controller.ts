import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { AdminOnly } from '../common';
import { RegisterWebhookDto } from './dto/register-webhook.dto';
import {
  WebhookRegistrations,
  type CleanupResult,
  type RegisteredWebhook,
  type WebhookStats,
  type WebhookStatus,
} from './webhook-registrations.service';

@ApiTags('webhooks')
@AdminOnly()
@Controller('api/donationalerts')
export class WebhooksAdminController {
  constructor(private readonly registrations: WebhookRegistrations) {}

  @Post('webhook/register')
  @ApiOperation({
    summary: "Creates the streamer's webhook, or rotates its secret (the old one stops working)",
  })
  @ApiCreatedResponse({ description: 'The registration with its secret: shown this once only' })
  @ApiNotFoundResponse({ description: 'Unknown streamer' })
  register(@Body() body: RegisterWebhookDto): Promise<RegisteredWebhook> {
    return this.registrations.register(body.streamerId, body.webhookUrl);
  }

  @Delete('webhook/:streamerId')
  @ApiOperation({ summary: "Removes the streamer's webhook registration" })
  @ApiOkResponse({ description: 'Removed' })
  @ApiNotFoundResponse({ description: 'No registration for this streamer' })
  async unregister(@Param('streamerId') streamerId: string): Promise<{ streamerId: string; removed: true }> {
    await this.registrations.unregister(streamerId);
    return { streamerId, removed: true };
  }

  @Get('webhook/:streamerId/status')
  @ApiOperation({ summary: 'Created, last delivery, deliveries, rejections by reason, push-enabled polling' })
  @ApiNotFoundResponse({ description: 'No registration for this streamer' })
  status(@Param('streamerId') streamerId: string): Promise<WebhookStatus> {
    return this.registrations.status(streamerId);
  }

  @Get('webhooks/stats')
  @ApiOperation({ summary: 'Totals and every registration' })
  stats(): Promise<WebhookStats> {
    return this.registrations.stats();
  }

  @Post('webhooks/cleanup')
  @HttpCode(200)
  @ApiOperation({ summary: 'Removes registrations without a delivery for WEBHOOK_INACTIVE_DAYS' })
  cleanup(): Promise<CleanupResult> {
    return this.registrations.cleanup();
  }
}
