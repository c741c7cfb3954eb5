import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { FakeDonation } from '../fakes/fake-donationalerts';

export const WEBHOOK_URL = '/api/donationalerts/webhook';

let donationNumber = 0;

/** A DonationAlerts donation as a relay would forward it; ids are unique within the test run. */
export function daDonation(overrides: Partial<FakeDonation> = {}): FakeDonation {
  donationNumber += 1;
  return {
    id: 700_000_000 + donationNumber,
    name: 'donation',
    username: `donor_${donationNumber}`,
    message_type: 'text',
    message: `Webhook donation ${donationNumber}`,
    amount: 150,
    currency: 'RUB',
    is_shown: 0,
    created_at: '2025-11-22 10:00:00',
    shown_at: null,
    ...overrides,
  };
}

export function deliveryBody(streamerId: string, data: object): string {
  return JSON.stringify({ type: 'donation', streamerId, data });
}

let deliveryNumber = 0;

export function nextDeliveryId(): string {
  deliveryNumber += 1;
  return `msg_test_${process.pid}_${deliveryNumber}`;
}

/** Standard Webhooks headers for `body`, signed at `timestampS` (unix seconds). */
export function standardHeaders(
  secret: string,
  body: string,
  timestampS: number,
  id = nextDeliveryId(),
): Record<string, string> {
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(timestampS),
    'webhook-signature': new Webhook(secret).sign(id, new Date(timestampS * 1000), body),
  };
}

/** The plain scheme (`x-da-signature`): hex HMAC-SHA256 of the raw body, keyed with the secret string. */
export function daSignatureHeaders(secret: string, body: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-da-signature': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
  };
}
