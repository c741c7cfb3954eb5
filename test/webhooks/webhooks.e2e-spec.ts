import { randomBytes, randomInt } from 'node:crypto';
import request from 'supertest';
import { queryRows } from '../../libs/database';
import { WebhookController } from '../../src/webhooks/webhook.controller';
import { WebhookSecrets } from '../../src/webhooks/webhook-secrets';
import {
  clearSchedule,
  connectedStreamer,
  receivedDonations,
  startDonationAlertsRig,
  type DonationAlertsInstance,
  type DonationAlertsRig,
} from '../support/donation-alerts';
import { RecordingLogger } from '../support/recording-logger';
import { expectNoInternals } from '../support/http';
import { metricValue } from '../support/metrics';
import { ADMIN_API_KEY } from '../support/admin';
import { DEPLOYMENTS } from '../support/deployments';
import { daDonation, daSignatureHeaders, deliveryBody, standardHeaders, WEBHOOK_URL } from './support';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The streamer ids of a list of registrations in an admin answer. */
function idsOf(registrations: unknown): string[] {
  return (registrations as Array<{ streamerId: string }>).map(({ streamerId }) => streamerId);
}

describe(WebhookController.name, () => {
  describe.each(DEPLOYMENTS)('on %s', (deployment) => {
    let rig: DonationAlertsRig;
    let instance: DonationAlertsInstance;
    let logs: RecordingLogger;

    beforeAll(async () => {
      rig = await startDonationAlertsRig(deployment, { env: { WEBHOOK_RATE_LIMIT: '100000' } });
      logs = new RecordingLogger();
      instance = await rig.boot({}, { logger: logs });
    });

    afterAll(async () => {
      await rig?.close();
    });

    afterEach(async () => {
      await clearSchedule(instance.scheduler);
    });

    const admin = (test: request.Test): request.Test => test.set('authorization', `Bearer ${ADMIN_API_KEY}`);
    const nowS = () => Math.floor(rig.clock.now() / 1000);
    const post = (body: string | Buffer, headers: Record<string, string>) =>
      request(instance.server).post(WEBHOOK_URL).set(headers).send(body);

    async function register(streamerId: string, webhookUrl = 'https://relay.example.com/hook') {
      const response = await admin(request(instance.server).post(`${WEBHOOK_URL}/register`)).send({
        streamerId,
        webhookUrl,
      });
      expect(response.status).toBe(201);
      return response.body as { secret: string; rotated: boolean; endpoint: string; createdAt: number };
    }

    async function donationRows(
      streamerId: string,
    ): Promise<Array<{ external_id: string; channel: string }>> {
      return queryRows(
        instance.dataSource,
        instance.dataSource.options.type === 'postgres'
          ? 'SELECT external_id, channel FROM donations WHERE streamer_id = $1 ORDER BY external_id'
          : 'SELECT external_id, channel FROM donations WHERE streamer_id = ? ORDER BY external_id',
        [streamerId],
      );
    }

    async function registeredStreamer() {
      const streamer = await connectedStreamer(instance.app, rig.da, rig.clock, { schedule: false });
      const registration = await register(streamer.streamerId);
      return { ...streamer, secret: registration.secret, registration };
    }

    it('stores a Standard Webhooks delivery once, announces it, logs the documented lines and marks push active', async () => {
      const { streamerId, secret, registration } = await registeredStreamer();
      expect(registration).toMatchObject({
        rotated: false,
        endpoint: `${instance.config.app.publicUrl}${WEBHOOK_URL}`,
      });
      expect(registration.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      const received = receivedDonations(instance.app);
      const donation = daDonation();
      const body = deliveryBody(streamerId, donation);

      const response = await post(body, standardHeaders(secret, body, nowS()));

      expect(response.status).toBe(200);
      expect(response.body).toEqual({ duplicate: false, stored: 1 });
      expect(await donationRows(streamerId)).toEqual([
        { external_id: String(donation.id), channel: 'webhook' },
      ]);
      expect(received.map((d) => d.externalId)).toEqual([String(donation.id)]);
      expect(logs.lines()).toEqual(
        expect.arrayContaining([
          `[DA Webhooks] Registered webhook for streamer ${streamerId}: https://relay.example.com/hook`,
          '[DA Webhooks] Received webhook: donation',
          `[DA Webhooks] Processed 1 donations from webhook for streamer ${streamerId}`,
        ]),
      );
      const status = await admin(request(instance.server).get(`${WEBHOOK_URL}/${streamerId}/status`));
      expect(status.status).toBe(200);
      expect(status.body).toMatchObject({
        streamerId,
        active: true,
        webhookUrl: 'https://relay.example.com/hook',
        lastDeliveryAt: rig.clock.now(),
        deliveries: 1,
        rejections: {},
        pushActive: true,
      });
      expect(JSON.stringify(status.body)).not.toContain(secret);
      expect(JSON.stringify(logs.entries)).not.toContain(secret);
    });

    it('counts deliveries by outcome, and their duration, in /metrics', async () => {
      const { streamerId, secret } = await registeredStreamer();
      const metric = async (outcome: string) =>
        metricValue((await request(instance.server).get('/metrics')).text, 'da_webhook_deliveries_total', {
          outcome,
        });
      const outcomes = ['stored', 'duplicate', 'bad-signature', 'unknown-streamer', 'malformed-json'];
      const before = await Promise.all(outcomes.map(metric));
      const durations = metricValue(
        (await request(instance.server).get('/metrics')).text,
        'da_webhook_duration_seconds_count',
      );
      const body = deliveryBody(streamerId, daDonation());
      const headers = standardHeaders(secret, body, nowS());

      expect((await post(body, headers)).status).toBe(200);
      expect((await post(body, headers)).body).toEqual({ duplicate: true });
      expect((await post(body, standardHeaders(`whsec_${'A'.repeat(43)}=`, body, nowS()))).status).toBe(401);
      const stranger = deliveryBody('999999999', daDonation());
      expect((await post(stranger, standardHeaders(secret, stranger, nowS()))).status).toBe(404);
      expect((await post('{not json', { 'content-type': 'application/json' })).status).toBe(400);

      const after = await Promise.all(outcomes.map(metric));
      expect(after.map((value, i) => value - before[i])).toEqual([1, 1, 1, 1, 1]);
      expect(
        metricValue(
          (await request(instance.server).get('/metrics')).text,
          'da_webhook_duration_seconds_count',
        ),
      ).toBe(durations + 5);
    });

    it('makes a recent streamer push-enabled for the scheduler until deliveries stop for WEBHOOK_PUSH_ACTIVE_MS', async () => {
      const streamer = await connectedStreamer(instance.app, rig.da, rig.clock);
      const { secret } = await register(streamer.streamerId);
      const body = deliveryBody(streamer.streamerId, daDonation());
      expect((await post(body, standardHeaders(secret, body, nowS()))).status).toBe(200);
      const enabled = async () =>
        (await admin(request(instance.server).get('/api/donationalerts/scheduler/stats')).expect(200)).body
          .streamers[streamer.streamerId].webhookEnabled as boolean;

      expect(await enabled()).toBe(true);
      rig.clock.advance(instance.config.webhooks.pushActiveMs + 1);
      expect(await enabled()).toBe(false);
    });

    it('accepts x-da-signature keyed with the generated global secret, which every instance shares and nobody logs', async () => {
      const { streamerId } = await connectedStreamer(instance.app, rig.da, rig.clock, { schedule: false });
      const secret = await instance.app.get(WebhookSecrets).globalSecret();
      const other = await rig.boot();
      expect(await other.app.get(WebhookSecrets).globalSecret()).toBe(secret);
      const body = deliveryBody(streamerId, daDonation());

      const response = await post(body, daSignatureHeaders(secret, body));

      expect(response.status).toBe(200);
      expect(response.body).toEqual({ duplicate: false, stored: 1 });
      expect(secret).toMatch(/^whsec_/);
      expect(JSON.stringify(logs.entries)).not.toContain(secret);
    });

    it('refuses a re-serialised body, missing and bad signatures with 401 and counts each reason', async () => {
      const { streamerId, secret } = await registeredStreamer();
      const body = deliveryBody(streamerId, daDonation());
      const reserialised = JSON.stringify(JSON.parse(body), null, 1);

      const answers = [
        await post(reserialised, standardHeaders(secret, body, nowS())),
        await post(reserialised, daSignatureHeaders(secret, body)),
        await post(body, { 'content-type': 'application/json' }),
        await post(body, daSignatureHeaders('whsec_someone-elses-secret-entirely', body)),
      ];

      expect(answers.map((answer) => answer.status)).toEqual([401, 401, 401, 401]);
      expect(answers.map((answer) => (answer.body as { reason?: string }).reason)).toEqual([
        'bad-signature',
        'bad-signature',
        'missing-signature',
        'bad-signature',
      ]);
      expect(await donationRows(streamerId)).toEqual([]);
      const status = await admin(request(instance.server).get(`${WEBHOOK_URL}/${streamerId}/status`)).expect(
        200,
      );
      expect(status.body.rejections).toEqual({ 'bad-signature': 3, 'missing-signature': 1 });
    });

    it('accepts timestamps up to 300 s either way and refuses 301 s either way', async () => {
      const { streamerId, secret } = await registeredStreamer();
      const statusAt = async (offsetS: number) => {
        const body = deliveryBody(streamerId, daDonation());
        const response = await post(body, standardHeaders(secret, body, nowS() + offsetS));
        return [response.status, response.body.reason as string | undefined];
      };

      expect(await statusAt(-300)).toEqual([200, undefined]);
      expect(await statusAt(300)).toEqual([200, undefined]);
      expect(await statusAt(-301)).toEqual([401, 'stale-timestamp']);
      expect(await statusAt(301)).toEqual([401, 'stale-timestamp']);
      expect(await donationRows(streamerId)).toHaveLength(2);
    });

    it('answers a replayed delivery with duplicate and stores and announces nothing again', async () => {
      const { streamerId, secret } = await registeredStreamer();
      const received = receivedDonations(instance.app);
      const body = deliveryBody(streamerId, daDonation());
      const headers = standardHeaders(secret, body, nowS());

      const first = await post(body, headers);
      const replay = await post(body, headers);
      const sameDonationNewDelivery = await post(body, standardHeaders(secret, body, nowS()));

      expect(first.body).toEqual({ duplicate: false, stored: 1 });
      expect(replay.status).toBe(200);
      expect(replay.body).toEqual({ duplicate: true });
      expect(sameDonationNewDelivery.body).toEqual({ duplicate: true, stored: 0 });
      expect(await donationRows(streamerId)).toHaveLength(1);
      expect(received).toHaveLength(1);
    });

    it('stores and announces a donation once when it arrives by webhook and by poll', async () => {
      const streamer = await connectedStreamer(instance.app, rig.da, rig.clock);
      const { secret } = await register(streamer.streamerId);
      await instance.scheduler.pollOne(streamer.streamerId);
      const received = receivedDonations(instance.app);
      const donation = rig.da.addDonation(streamer.daUserId);
      const body = deliveryBody(streamer.streamerId, donation);

      expect((await post(body, standardHeaders(secret, body, nowS()))).body).toEqual({
        duplicate: false,
        stored: 1,
      });
      const poll = await instance.scheduler.pollOne(streamer.streamerId);

      expect(poll).toMatchObject({ status: 'polled', newDonations: 0 });
      expect(await donationRows(streamer.streamerId)).toEqual([
        { external_id: String(donation.id), channel: 'webhook' },
      ]);
      expect(received.map((d) => d.externalId)).toEqual([String(donation.id)]);
    });

    it('refuses the old secret after a rotation and accepts the new one', async () => {
      const { streamerId, secret: old } = await registeredStreamer();
      const rotation = await register(streamerId, 'https://relay.example.com/rotated');
      expect(rotation.rotated).toBe(true);
      expect(rotation.secret).not.toBe(old);
      const body = deliveryBody(streamerId, daDonation());

      expect((await post(body, standardHeaders(old, body, nowS()))).status).toBe(401);
      expect((await post(body, daSignatureHeaders(old, body))).status).toBe(401);
      expect((await post(body, standardHeaders(rotation.secret, body, nowS()))).status).toBe(200);
    });

    it('answers malformed JSON, a bad schema, an unknown streamer and an oversized body with clean 4xx', async () => {
      const { streamerId, secret } = await registeredStreamer();
      const invalid = deliveryBody(streamerId, { ...daDonation(), amount: 'lots', currency: 5 });
      const huge = deliveryBody(streamerId, daDonation({ message: 'x'.repeat(65 * 1024) }));
      const unknown = deliveryBody('00000000-0000-4000-8000-000000000000', daDonation());

      const malformed = await post('{"type":', daSignatureHeaders(secret, '{"type":'));
      const noStreamer = await post('{"type":"donation"}', daSignatureHeaders(secret, '{"type":"donation"}'));
      const schema = await post(invalid, standardHeaders(secret, invalid, nowS()));
      const missing = await post(unknown, standardHeaders(secret, unknown, nowS()));
      const tooLarge = await post(huge, standardHeaders(secret, huge, nowS()));

      expect(malformed.status).toBe(400);
      expect(malformed.body.message).toBe('Malformed JSON body');
      expect(noStreamer.status).toBe(400);
      expect(noStreamer.body.errors).toEqual({ streamerId: ['streamerId must be a string'] });
      expect(schema.status).toBe(400);
      expect(Object.keys(schema.body.errors).sort()).toEqual(['data.amount', 'data.currency']);
      expect(missing.status).toBe(404);
      expect(tooLarge.status).toBe(413);
      expectNoInternals(tooLarge.text);
      expect(await donationRows(streamerId)).toEqual([]);
    });

    it('survives 1,000 random bodies and headers without a 5xx or a stored row', async () => {
      const { streamerId, secret } = await registeredStreamer();
      const before = await queryRows<{ n: string | number }>(
        instance.dataSource,
        'SELECT COUNT(*) AS n FROM donations',
      );
      const printable = (length: number) =>
        Array.from({ length }, () => String.fromCharCode(randomInt(0x20, 0x7f))).join('');
      const bodies: Array<() => string | Buffer> = [
        () => randomBytes(randomInt(0, 512)),
        () => printable(randomInt(0, 256)),
        () =>
          deliveryBody(streamerId, { ...daDonation(), [printable(4)]: printable(8), amount: printable(5) }),
        () => JSON.stringify({ type: printable(6), streamerId, data: printable(20) }),
        () => JSON.stringify([streamerId, randomInt(1e6)]),
        () => deliveryBody(streamerId, daDonation({ message: `a\u0000b`, username: printable(300) })),
      ];
      const headerSets: Array<(body: string | Buffer) => Record<string, string>> = [
        () => ({}),
        () => ({
          'webhook-id': printable(12),
          'webhook-timestamp': printable(10),
          'webhook-signature': printable(40),
        }),
        () => ({ 'x-da-signature': `sha256=${randomBytes(32).toString('hex')}` }),
        (body) => standardHeaders(secret, body.toString(), nowS() + randomInt(-1000, 1000)),
        (body) => daSignatureHeaders(secret, body.toString()),
        () => ({ 'content-type': printable(16).replace(/[^a-z/]/g, 'x'), 'x-da-signature': printable(30) }),
      ];
      const statuses = new Set<number>();

      for (let i = 0; i < 1000; i += 1) {
        const body = bodies[randomInt(bodies.length)]();
        const response = await post(body, headerSets[randomInt(headerSets.length)](body));
        statuses.add(response.status);
        expect(response.status).toBeLessThan(500);
      }

      const after = await queryRows<{ n: string | number }>(
        instance.dataSource,
        'SELECT COUNT(*) AS n FROM donations',
      );
      expect(Number(after[0].n)).toBe(Number(before[0].n));
      expect([...statuses].every((status) => [400, 401, 404].includes(status))).toBe(true);
    });

    it('keeps the admin routes closed without the admin key', async () => {
      const answers = await Promise.all([
        request(instance.server)
          .post(`${WEBHOOK_URL}/register`)
          .send({ streamerId: 'x', webhookUrl: 'https://a.b' }),
        request(instance.server).delete(`${WEBHOOK_URL}/x`),
        request(instance.server).get(`${WEBHOOK_URL}/x/status`),
        request(instance.server).get('/api/donationalerts/webhooks/stats'),
        request(instance.server).post('/api/donationalerts/webhooks/cleanup'),
      ]);
      expect(answers.map((answer) => answer.status)).toEqual([401, 401, 401, 401, 401]);
    });

    it('validates registrations and answers 404 for unknown streamers and registrations', async () => {
      const { streamerId } = await connectedStreamer(instance.app, rig.da, rig.clock, { schedule: false });
      const badUrl = await admin(request(instance.server).post(`${WEBHOOK_URL}/register`)).send({
        streamerId,
        webhookUrl: 'ftp://relay.example.com',
      });
      const unknownStreamer = await admin(request(instance.server).post(`${WEBHOOK_URL}/register`)).send({
        streamerId: '00000000-0000-4000-8000-000000000000',
        webhookUrl: 'https://relay.example.com',
      });

      expect(badUrl.status).toBe(400);
      expect(badUrl.body.errors).toEqual({ webhookUrl: ['webhookUrl must be an http(s) URL'] });
      expect(unknownStreamer.status).toBe(404);
      expect((await admin(request(instance.server).delete(`${WEBHOOK_URL}/${streamerId}`))).status).toBe(404);
      expect((await admin(request(instance.server).get(`${WEBHOOK_URL}/${streamerId}/status`))).status).toBe(
        404,
      );
    });

    it('shows stats, deletes a registration, and cleans up registrations idle for WEBHOOK_INACTIVE_DAYS', async () => {
      const idle = await registeredStreamer();
      const removed = await registeredStreamer();
      rig.clock.advance(6 * DAY_MS);
      const recent = await registeredStreamer();
      const body = deliveryBody(idle.streamerId, daDonation());
      expect((await post(body, standardHeaders(idle.secret, body, nowS()))).status).toBe(200);
      expect(
        (await admin(request(instance.server).delete(`${WEBHOOK_URL}/${removed.streamerId}`))).status,
      ).toBe(200);

      const stats = await admin(request(instance.server).get('/api/donationalerts/webhooks/stats')).expect(
        200,
      );
      expect(stats.body.totalRegistrations).toBe(stats.body.registrations.length);
      expect(idsOf(stats.body.registrations)).toEqual(
        expect.arrayContaining([idle.streamerId, recent.streamerId]),
      );
      expect(idsOf(stats.body.registrations)).not.toContain(removed.streamerId);
      expect(JSON.stringify(stats.body)).not.toContain('whsec_');

      rig.clock.advance(2 * DAY_MS);
      const cleanup = await admin(request(instance.server).post('/api/donationalerts/webhooks/cleanup'));

      expect(cleanup.status).toBe(200);
      const removedIds = idsOf(cleanup.body.removed);
      expect(removedIds).not.toContain(idle.streamerId);
      expect(removedIds).not.toContain(recent.streamerId);
      expect(cleanup.body.prunedDeliveryIds).toBeGreaterThan(0);
      rig.clock.advance(6 * DAY_MS);
      const later = await admin(request(instance.server).post('/api/donationalerts/webhooks/cleanup')).expect(
        200,
      );
      expect(idsOf(later.body.removed)).toEqual(expect.arrayContaining([idle.streamerId, recent.streamerId]));
      expect(
        (await admin(request(instance.server).get(`${WEBHOOK_URL}/${idle.streamerId}/status`))).status,
      ).toBe(404);
    });

    /**
     * Four requests from one client IP (forwarded by a proxy on loopback, which the app trusts), one to each
     * instance in turn; an IP of its own per test keeps the other tests' requests out of the count.
     */
    let clientNumber = 0;
    async function fromOneIp(instances: DonationAlertsInstance[]): Promise<request.Response[]> {
      clientNumber += 1;
      const ip = `203.0.113.${clientNumber}`;
      const answers: request.Response[] = [];
      for (let i = 0; i < 4; i += 1) {
        const on = instances[i % instances.length];
        answers.push(await request(on.server).post(WEBHOOK_URL).set('x-forwarded-for', ip).send('{}'));
      }
      return answers;
    }

    function expectFourthLimited(answers: request.Response[]): void {
      expect(answers.slice(0, 3).map((answer) => answer.status)).not.toContain(429);
      const limited = answers.find((answer) => answer.status === 429);
      expect(limited).toBeDefined();
      expect(answers[3].status).toBe(429);
      expect(Number(limited?.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }

    it('limits requests per IP with 429 and Retry-After', async () => {
      const strict = await rig.boot({ WEBHOOK_RATE_LIMIT: '3' });

      expectFourthLimited(await fromOneIp([strict]));
    });

    if (deployment === 'postgres+redis') {
      it('limits requests per IP across instances with 429 and Retry-After (one count in Redis)', async () => {
        const strict = [
          await rig.boot({ WEBHOOK_RATE_LIMIT: '3' }),
          await rig.boot({ WEBHOOK_RATE_LIMIT: '3' }),
        ];

        expectFourthLimited(await fromOneIp(strict));
      });
    }
  });
});
