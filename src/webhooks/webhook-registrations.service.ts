import { Injectable, Logger, NotFoundException } from '@nestjs/common';
import { InjectConfig, type AppConfig, type WebhooksConfig } from '../../config';
import { Clock } from '../../libs/clock';
import { PushActivity } from '../donations';
import { TokenCipher } from '../security';
import { requireKnownStreamer, StreamersRepository } from '../streamers';
import { WEBHOOK_PATH, WEBHOOK_SECRET_CONTEXT } from './webhooks.constants';
import { WebhookRegistrationsRepository, type WebhookRegistration } from './webhook-registrations.repository';
import { generateWebhookSecret } from './webhook-secrets';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Delivery ids are kept this long: far beyond any sender's retry window and the timestamp tolerance. */
const DELIVERY_IDS_KEPT_MS = DAY_MS;

export interface RegisteredWebhook {
  streamerId: string;
  webhookUrl: string;
  /** Shown once, here only. */
  secret: string;
  createdAt: number;
  rotated: boolean;
  endpoint: string;
}

/** What the admin routes show about a registration: never its secret. */
export interface WebhookSummary {
  streamerId: string;
  webhookUrl: string;
  createdAt: number;
  rotatedAt: number | null;
  lastDeliveryAt: number | null;
  deliveries: number;
  rejections: WebhookRegistration['rejections'];
}

export interface WebhookStatus extends Omit<WebhookSummary, 'streamerId'> {
  streamerId: string;
  active: boolean;
  pushActive: boolean;
}

export interface WebhookStats {
  totalRegistrations: number;
  totalDeliveries: number;
  totalRejections: number;
  registrations: WebhookSummary[];
}

export interface CleanupResult {
  removed: WebhookSummary[];
  prunedDeliveryIds: number;
}

function summary(registration: WebhookRegistration): WebhookSummary {
  const { streamerId, url, createdAt, rotatedAt, lastDeliveryAt, deliveries, rejections } = registration;
  return { streamerId, webhookUrl: url, createdAt, rotatedAt, lastDeliveryAt, deliveries, rejections };
}

/** Registration management behind the admin routes and the leader's daily cleanup. */
@Injectable()
export class WebhookRegistrations {
  private readonly logger = new Logger('DA Webhooks');
  private readonly inactiveMs: number;
  private readonly endpoint: string;

  constructor(
    private readonly registrations: WebhookRegistrationsRepository,
    private readonly streamers: StreamersRepository,
    private readonly cipher: TokenCipher,
    private readonly pushActivity: PushActivity,
    private readonly clock: Clock,
    @InjectConfig('webhooks') settings: WebhooksConfig,
    @InjectConfig('app') app: AppConfig,
  ) {
    this.inactiveMs = settings.inactiveDays * DAY_MS;
    this.endpoint = `${app.publicUrl}${WEBHOOK_PATH}`;
  }

  /** Creates the registration or rotates its secret: the previous secret stops working at once. */
  async register(streamerId: string, webhookUrl: string): Promise<RegisteredWebhook> {
    await requireKnownStreamer(this.streamers, streamerId);
    const secret = generateWebhookSecret();
    const { registration, created } = await this.registrations.save(
      streamerId,
      webhookUrl,
      this.cipher.encrypt(secret, WEBHOOK_SECRET_CONTEXT),
      this.clock.now(),
    );
    this.logger.log(`Registered webhook for streamer ${streamerId}: ${webhookUrl}`);
    return {
      streamerId,
      webhookUrl,
      secret,
      createdAt: registration.createdAt,
      rotated: !created,
      endpoint: this.endpoint,
    };
  }

  async unregister(streamerId: string): Promise<void> {
    if (!(await this.registrations.remove(streamerId))) {
      throw new NotFoundException(`Streamer ${streamerId} has no webhook registration`);
    }
    this.logger.log(`Removed webhook for streamer ${streamerId}`);
  }

  async status(streamerId: string): Promise<WebhookStatus> {
    const registration = await this.registrations.find(streamerId);
    if (!registration) {
      throw new NotFoundException(`Streamer ${streamerId} has no webhook registration`);
    }
    const lastActivity = registration.lastDeliveryAt ?? registration.createdAt;
    return {
      ...summary(registration),
      active: lastActivity >= this.clock.now() - this.inactiveMs,
      pushActive: await this.pushActivity.isActive(streamerId),
    };
  }

  async stats(): Promise<WebhookStats> {
    const registrations = (await this.registrations.list()).map(summary);
    const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
    return {
      totalRegistrations: registrations.length,
      totalDeliveries: sum(registrations.map(({ deliveries }) => deliveries)),
      totalRejections: sum(registrations.flatMap(({ rejections }) => Object.values(rejections))),
      registrations,
    };
  }

  /** Removes registrations without a delivery for WEBHOOK_INACTIVE_DAYS, and forgets day-old delivery ids. */
  async cleanup(): Promise<CleanupResult> {
    const now = this.clock.now();
    const removed = (await this.registrations.removeInactiveSince(now - this.inactiveMs)).map(summary);
    const prunedDeliveryIds = await this.registrations.pruneDeliveries(now - DELIVERY_IDS_KEPT_MS);
    if (removed.length > 0) {
      this.logger.log(
        `Removed ${removed.length} inactive webhook(s): ${removed.map((r) => r.streamerId).join(', ')}`,
      );
    }
    return { removed, prunedDeliveryIds };
  }
}
