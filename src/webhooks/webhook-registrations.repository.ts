import type { RejectionReason } from './webhook-signature.verifier';

/** A registration as stored, secret still sealed. */
export interface WebhookRegistration {
  streamerId: string;
  url: string;
  sealedSecret: string;
  createdAt: number;
  rotatedAt: number | null;
  lastDeliveryAt: number | null;
  deliveries: number;
  rejections: Partial<Record<RejectionReason, number>>;
}

export abstract class WebhookRegistrationsRepository {
  abstract find(streamerId: string): Promise<WebhookRegistration | null>;
  /** Creates the registration or replaces its url and secret; `created` tells which. */
  abstract save(
    streamerId: string,
    url: string,
    sealedSecret: string,
    now: number,
  ): Promise<{ registration: WebhookRegistration; created: boolean }>;
  abstract remove(streamerId: string): Promise<boolean>;
  /** Every registration, in one query. */
  abstract list(): Promise<WebhookRegistration[]>;
  abstract countRejection(streamerId: string, reason: RejectionReason): Promise<void>;
  abstract countDelivery(streamerId: string, now: number): Promise<void>;
  /** Removes registrations whose last delivery (or creation, when never delivered) is before `cutoff`. */
  abstract removeInactiveSince(cutoff: number): Promise<WebhookRegistration[]>;
  abstract deliverySeen(deliveryId: string): Promise<boolean>;
  abstract recordDelivery(deliveryId: string, streamerId: string, now: number): Promise<void>;
  /** Forgets delivery ids received before `cutoff`; returns how many. */
  abstract pruneDeliveries(cutoff: number): Promise<number>;
}
