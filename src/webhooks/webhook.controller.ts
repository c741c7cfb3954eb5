import {
  Controller,
  HttpCode,
  HttpException,
  HttpStatus,
  Logger,
  Post,
  Req,
  Res,
  ServiceUnavailableException,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { WebhookAcceptedDto, WebhookDeliveryDto } from './dto/webhook-delivery.dto';
import { WebhookIntake, type DeliveryResult } from './webhook-intake.service';
import { WebhookRateLimiter } from './webhook-rate-limiter';
import type { SignatureHeaders } from './webhook-signature.verifier';
import { deliveryOutcome, WebhookMetrics } from './webhook.metrics';

const SIGNATURE_HEADERS = ['webhook-id', 'webhook-timestamp', 'webhook-signature', 'x-da-signature'] as const;

function signatureHeaders(request: Request): SignatureHeaders {
  const headers: SignatureHeaders = {};
  for (const name of SIGNATURE_HEADERS) {
    const value = request.headers[name];
    if (typeof value === 'string') {
      headers[name] = value;
    }
  }
  return headers;
}

/** The signed inbound endpoint. Its body arrives as raw bytes (see useBodyParsers): signatures cover the bytes. */
@ApiTags('webhooks')
@Controller('api/donationalerts/webhook')
export class WebhookController {
  private readonly logger = new Logger(WebhookController.name);

  constructor(
    private readonly intake: WebhookIntake,
    private readonly limiter: WebhookRateLimiter,
    private readonly metrics: WebhookMetrics,
  ) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Receives one signed donation (Standard Webhooks headers, or x-da-signature)',
    description:
      'Signed with the streamer’s registration secret, or the global DA_WEBHOOK_SECRET when it has none. ' +
      'Standard Webhooks: `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, timestamp within ' +
      'WEBHOOK_TOLERANCE_S. Plain scheme: `x-da-signature: sha256=<hex HMAC-SHA256 of the raw body>`.',
  })
  @ApiBody({ type: WebhookDeliveryDto })
  @ApiHeader({ name: 'webhook-id', required: false })
  @ApiHeader({ name: 'webhook-timestamp', required: false, description: 'Unix seconds' })
  @ApiHeader({
    name: 'webhook-signature',
    required: false,
    description: 'v1,<base64> (space-separated list)',
  })
  @ApiHeader({ name: 'x-da-signature', required: false, description: 'sha256=<hex>' })
  @ApiOkResponse({ type: WebhookAcceptedDto })
  @ApiBadRequestResponse({ description: 'Malformed JSON or a body not matching the schema' })
  @ApiUnauthorizedResponse({ description: 'Missing or bad signature, or a timestamp outside the window' })
  @ApiNotFoundResponse({ description: 'Unknown streamer' })
  @ApiPayloadTooLargeResponse({ description: 'Body over 64 KB' })
  @ApiTooManyRequestsResponse({ description: 'Too many requests from this IP (Retry-After)' })
  async receive(
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<DeliveryResult> {
    const timer = this.metrics.duration.startTimer();
    let settled: { result: DeliveryResult } | { error: unknown } = { error: undefined };
    try {
      const decision = await this.limiter.consume(request.ip ?? 'unknown');
      if (!decision.allowed) {
        response.setHeader('Retry-After', String(decision.retryAfterS));
        throw new HttpException(
          { statusCode: HttpStatus.TOO_MANY_REQUESTS, message: 'Too many webhook requests' },
          HttpStatus.TOO_MANY_REQUESTS,
        );
      }
      const rawBody: unknown = request.body;
      const result = await this.intake.receive(
        Buffer.isBuffer(rawBody) ? rawBody : Buffer.alloc(0),
        signatureHeaders(request),
      );
      settled = { result };
      return result;
    } catch (error) {
      settled = { error };
      if (error instanceof HttpException) {
        throw error;
      }
      // A sender retries on 5xx; 503 says "not your fault, try again" without exposing what failed.
      this.logger.error(`Webhook delivery failed: ${(error as Error).message}`, (error as Error).stack);
      throw new ServiceUnavailableException('The delivery could not be processed; retry later');
    } finally {
      this.metrics.deliveries.inc({ outcome: deliveryOutcome(settled) });
      timer();
    }
  }
}
