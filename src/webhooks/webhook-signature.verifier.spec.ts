import { createHmac } from 'node:crypto';
import { WebhookSignatureVerifier } from './webhook-signature.verifier';

// The example published with the Standard Webhooks specification.
const SPEC = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  payload: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

function specHeaders(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    'webhook-id': SPEC.id,
    'webhook-timestamp': String(SPEC.timestamp),
    'webhook-signature': SPEC.signature,
    ...overrides,
  };
}

describe(WebhookSignatureVerifier.name, () => {
  const at = (seconds: number) => new WebhookSignatureVerifier(300, () => seconds * 1000);
  const body = Buffer.from(SPEC.payload);

  it('accepts the Standard Webhooks specification example at its own timestamp', () => {
    expect(at(SPEC.timestamp).verify(SPEC.secret, specHeaders(), body)).toEqual({
      ok: true,
      scheme: 'standard-webhooks',
      deliveryId: SPEC.id,
    });
  });

  it('accepts one matching signature among several', () => {
    const headers = specHeaders({ 'webhook-signature': `v1,bm90IGl0 v2,abc ${SPEC.signature}` });
    expect(at(SPEC.timestamp).verify(SPEC.secret, headers, body).ok).toBe(true);
  });

  it('refuses the example body re-serialised', () => {
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(SPEC.payload)));
    expect(at(SPEC.timestamp).verify(SPEC.secret, specHeaders(), reserialised)).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
  });

  it('accepts timestamps 300 s either side of the clock and refuses 301 s', () => {
    for (const offset of [-300, 300]) {
      expect(at(SPEC.timestamp + offset).verify(SPEC.secret, specHeaders(), body).ok).toBe(true);
    }
    for (const offset of [-301, 301]) {
      expect(at(SPEC.timestamp + offset).verify(SPEC.secret, specHeaders(), body)).toEqual({
        ok: false,
        reason: 'stale-timestamp',
      });
    }
  });

  it('reports missing headers as a missing signature', () => {
    expect(at(SPEC.timestamp).verify(SPEC.secret, {}, body)).toEqual({
      ok: false,
      reason: 'missing-signature',
    });
    const withoutSignature = specHeaders();
    delete withoutSignature['webhook-signature'];
    expect(at(SPEC.timestamp).verify(SPEC.secret, withoutSignature, body)).toEqual({
      ok: false,
      reason: 'missing-signature',
    });
  });

  it('checks x-da-signature as hex HMAC-SHA256 of the raw body keyed with the whole secret string', () => {
    const secret = 'whsec_c2VlZC1zY2hlbWUtc2VjcmV0LWZvci10ZXN0cw==';
    const raw = Buffer.from('{"type":"donation"}');
    // Known vector: HMAC-SHA256(key = the secret's UTF-8 bytes, message = the raw body).
    const hex = createHmac('sha256', secret).update(raw).digest('hex');
    const verifier = at(0);
    expect(verifier.verify(secret, { 'x-da-signature': `sha256=${hex}` }, raw)).toEqual({
      ok: true,
      scheme: 'x-da-signature',
      deliveryId: null,
    });
    expect(
      verifier.verify(secret, { 'x-da-signature': `sha256=${hex}` }, Buffer.from('{"type": "donation"}')).ok,
    ).toBe(false);
    expect(verifier.verify(secret, { 'x-da-signature': hex }, raw)).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
  });

  it('matches the RFC 4231 HMAC-SHA256 test case 2 through x-da-signature', () => {
    const expected = '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843';
    const result = at(0).verify(
      'Jefe',
      { 'x-da-signature': `sha256=${expected}` },
      Buffer.from('what do ya want for nothing?'),
    );
    expect(result.ok).toBe(true);
  });
});
