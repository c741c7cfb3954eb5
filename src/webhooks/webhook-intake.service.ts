import { BadRequestException, Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { InjectConfig, type WebhooksConfig } from '../../config';
import { Clock } from '../../libs/clock';
import { toFieldErrors, type FieldErrors } from '../common';
import { toIncomingDonation } from '../donation-alerts';
import type { IncomingDonation } from '../donations';
import { DonationIngestor } from '../donations';
import { PushActivity } from '../donations';
import { TokenCipher } from '../security';
import { requireKnownStreamer, StreamersRepository } from '../streamers';
import { WebhookDeliveryDto } from './dto/webhook-delivery.dto';
import { WebhookRegistrationsRepository } from './webhook-registrations.repository';
import { WebhookSecrets } from './webhook-secrets';
import { WEBHOOK_SECRET_CONTEXT } from './webhooks.constants';
import { WebhookSignatureVerifier, type SignatureHeaders } from './webhook-signature.verifier';

export interface DeliveryResult {
  duplicate: boolean;
  stored?: number;
}

function invalidBody(errors: FieldErrors): BadRequestException {
  return new BadRequestException({
    statusCode: 400,
    error: 'Bad Request',
    message: 'Validation failed',
    errors,
  });
}

/** The schema admits a few values the conversion still refuses (e.g. an amount too precise). */
function toDonation(delivery: WebhookDeliveryDto): IncomingDonation | BadRequestException {
  try {
    return toIncomingDonation(delivery.data);
  } catch (error) {
    return invalidBody({ data: [(error as Error).message] });
  }
}

/**
 * One signed delivery, checked in order: JSON, streamer, signature (the streamer's registration secret, or the
 * global one), schema, replay; then the donation goes through the one ingestion path. Nothing is stored unless
 * every check passed.
 */
@Injectable()
export class WebhookIntake {
  private readonly logger = new Logger('DA Webhooks');
  private readonly verifier: WebhookSignatureVerifier;
  private readonly pushActiveMs: number;

  constructor(
    private readonly streamers: StreamersRepository,
    private readonly registrations: WebhookRegistrationsRepository,
    private readonly secrets: WebhookSecrets,
    private readonly cipher: TokenCipher,
    private readonly ingestor: DonationIngestor,
    private readonly pushActivity: PushActivity,
    private readonly clock: Clock,
    @InjectConfig('webhooks') settings: WebhooksConfig,
  ) {
    this.verifier = new WebhookSignatureVerifier(settings.toleranceS, () => clock.now());
    this.pushActiveMs = settings.pushActiveMs;
  }

  async receive(rawBody: Buffer, headers: SignatureHeaders): Promise<DeliveryResult> {
    const { body, streamerId } = this.parse(rawBody);
    await requireKnownStreamer(this.streamers, streamerId);
    const registration = await this.registrations.find(streamerId);
    const secret = registration
      ? this.cipher.decrypt(registration.sealedSecret, WEBHOOK_SECRET_CONTEXT)
      : await this.secrets.globalSecret();
    const verification = this.verifier.verify(secret, headers, rawBody);
    if (!verification.ok) {
      if (registration) {
        await this.registrations.countRejection(streamerId, verification.reason);
      }
      throw new UnauthorizedException({
        statusCode: 401,
        message: 'Invalid webhook signature',
        reason: verification.reason,
      });
    }
    const donation = await this.validDonation(body, streamerId, registration !== null);
    this.logger.log('Received webhook: donation');
    if (
      verification.deliveryId !== null &&
      (await this.registrations.deliverySeen(verification.deliveryId))
    ) {
      return { duplicate: true };
    }
    const stored = await this.ingestor.ingest({
      streamerId,
      provider: 'donationalerts',
      channel: 'webhook',
      donations: [donation],
    });
    const now = this.clock.now();
    if (verification.deliveryId !== null) {
      await this.registrations.recordDelivery(verification.deliveryId, streamerId, now);
    }
    if (registration) {
      await this.registrations.countDelivery(streamerId, now);
    }
    await this.pushActivity.markActive(streamerId, 'webhook', now + this.pushActiveMs);
    this.logger.log(`Processed ${stored.length} donations from webhook for streamer ${streamerId}`);
    return { duplicate: stored.length === 0, stored: stored.length };
  }

  /** The parsed body and the streamer it names, read before the signature is checked (it chooses the secret). */
  private parse(rawBody: Buffer): { body: unknown; streamerId: string } {
    let body: unknown;
    try {
      body = JSON.parse(rawBody.toString('utf8'));
    } catch {
      throw new BadRequestException('Malformed JSON body');
    }
    const streamerId = (body as { streamerId?: unknown } | null)?.streamerId;
    if (typeof streamerId !== 'string') {
      throw invalidBody({ streamerId: ['streamerId must be a string'] });
    }
    return { body, streamerId };
  }

  private async validDonation(
    body: unknown,
    streamerId: string,
    registered: boolean,
  ): Promise<IncomingDonation> {
    const delivery = plainToInstance(WebhookDeliveryDto, body as object);
    const errors = await validate(delivery, { whitelist: true });
    const outcome = errors.length > 0 ? invalidBody(toFieldErrors(errors)) : toDonation(delivery);
    if (outcome instanceof BadRequestException) {
      if (registered) {
        await this.registrations.countRejection(streamerId, 'invalid-body');
      }
      throw outcome;
    }
    return outcome;
  }
}
