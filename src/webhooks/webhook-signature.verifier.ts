import { createHmac, timingSafeEqual } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

export type RejectionReason = 'missing-signature' | 'bad-signature' | 'stale-timestamp' | 'invalid-body';

/** The headers a signed delivery may carry (lower-case, as Node reports them). */
export interface SignatureHeaders {
  'webhook-id'?: string;
  'webhook-timestamp'?: string;
  'webhook-signature'?: string;
  'x-da-signature'?: string;
}

export type Verification =
  | { ok: true; scheme: 'standard-webhooks'; deliveryId: string }
  | { ok: true; scheme: 'x-da-signature'; deliveryId: null }
  | { ok: false; reason: Exclude<RejectionReason, 'invalid-body'> };

const DELIVERY_ID = /^[\x21-\x7e]{1,255}$/;
const TIMESTAMP = /^\d{1,12}$/;
const DA_SIGNATURE = /^sha256=([0-9a-fA-F]{64})$/;

function constantTimeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Checks a delivery's signature on its raw bytes. Standard Webhooks (webhook-id/-timestamp/-signature) when any
 * of its headers is present, else the plain `x-da-signature: sha256=<hex HMAC of the body>`. The package computes the expected Standard
 * Webhooks signature; the timestamp window is checked here against the injected time, because the package's own
 * verify() reads Date.now.
 */
export class WebhookSignatureVerifier {
  constructor(
    private readonly toleranceS: number,
    private readonly nowMs: () => number,
  ) {}

  verify(secret: string, headers: SignatureHeaders, rawBody: Buffer): Verification {
    const id = headers['webhook-id'];
    const timestamp = headers['webhook-timestamp'];
    const signature = headers['webhook-signature'];
    if (id !== undefined || timestamp !== undefined || signature !== undefined) {
      return this.verifyStandard(secret, id, timestamp, signature, rawBody);
    }
    const daSignature = headers['x-da-signature'];
    if (daSignature === undefined) {
      return { ok: false, reason: 'missing-signature' };
    }
    return this.verifyDaSignature(secret, daSignature, rawBody);
  }

  private verifyStandard(
    secret: string,
    id: string | undefined,
    timestamp: string | undefined,
    signature: string | undefined,
    rawBody: Buffer,
  ): Verification {
    if (!id || !timestamp || !signature) {
      return { ok: false, reason: 'missing-signature' };
    }
    if (!DELIVERY_ID.test(id)) {
      return { ok: false, reason: 'bad-signature' };
    }
    const seconds = TIMESTAMP.test(timestamp) ? Number(timestamp) : NaN;
    // Whole seconds on both sides, as the Standard Webhooks libraries compare them.
    if (!(Math.abs(Math.floor(this.nowMs() / 1000) - seconds) <= this.toleranceS)) {
      return { ok: false, reason: 'stale-timestamp' };
    }
    const expected = this.expectedStandardSignature(secret, id, seconds, rawBody);
    const matches =
      expected !== null &&
      signature
        .split(' ')
        .filter((candidate) => candidate.startsWith('v1,'))
        .some((candidate) => constantTimeEqual(Buffer.from(candidate.slice(3), 'base64'), expected));
    return matches
      ? { ok: true, scheme: 'standard-webhooks', deliveryId: id }
      : { ok: false, reason: 'bad-signature' };
  }

  /** null when the secret is not Standard Webhooks material (an operator's DA_WEBHOOK_SECRET need not be). */
  private expectedStandardSignature(
    secret: string,
    id: string,
    seconds: number,
    body: Buffer,
  ): Buffer | null {
    try {
      const signed = new Webhook(secret).sign(id, new Date(seconds * 1000), body);
      return Buffer.from(signed.slice('v1,'.length), 'base64');
    } catch {
      return null;
    }
  }

  private verifyDaSignature(secret: string, header: string, rawBody: Buffer): Verification {
    const match = DA_SIGNATURE.exec(header.trim());
    if (!match) {
      return { ok: false, reason: 'bad-signature' };
    }
    const expected = createHmac('sha256', Buffer.from(secret, 'utf8')).update(rawBody).digest();
    return constantTimeEqual(Buffer.from(match[1], 'hex'), expected)
      ? { ok: true, scheme: 'x-da-signature', deliveryId: null }
      : { ok: false, reason: 'bad-signature' };
  }
}
