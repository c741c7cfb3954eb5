import { EventEmitter2 } from '@nestjs/event-emitter';
import { DataSource } from 'typeorm';
import { DonationEvents } from '../../src/donations';
import type { ReplayAlertData } from '../../src/overlay/overlay-event';
import type { StreamerEntity } from '../../src/streamers/entities/streamer.entity';
import type { ListeningTestApp } from '../support/app';
import { DEPLOYMENTS } from '../support/deployments';
import { bootInstancePair, createStreamer, type InstancePair } from '../support/instance-pair';
import { ALERT_STREAM, ingestDonations, sampleDonation, sessionCookie } from '../support/overlay';
import { openSse, type SseConnection } from '../support/sse-client';
import { waitFor } from '../support/waiting';

describe.each(DEPLOYMENTS)('Overlay controls (%s)', (deployment) => {
  let pair: InstancePair;
  let app: ListeningTestApp;
  /** The other instance when there are two (see `bootInstancePair`). */
  let other: ListeningTestApp;
  const open: SseConnection[] = [];

  beforeAll(async () => {
    pair = await bootInstancePair(deployment);
    ({ app, other } = pair);
  });

  afterEach(async () => {
    for (const connection of open.splice(0)) {
      connection.close();
      await connection.ended;
    }
  });

  afterAll(async () => {
    await pair?.close();
  });

  const newStreamer = (): Promise<StreamerEntity> => createStreamer(app, 'c');

  async function page(on: ListeningTestApp, streamer: StreamerEntity): Promise<SseConnection> {
    const stream = await openSse(`${on.origin}/overlay/${streamer.overlayToken!}/events`, {}, ALERT_STREAM);
    open.push(stream);
    await waitFor(() => stream.snapshot !== undefined, { what: 'the settings snapshot' });
    return stream;
  }

  function control(streamer: StreamerEntity, path: string): Promise<Response> {
    return fetch(`${other.origin}/api/overlay/${path}`, {
      method: 'POST',
      headers: { cookie: sessionCookie(other, streamer.id) },
    });
  }

  it('replays a stored donation once on every open page, without storing it again or a thank-you', async () => {
    const streamer = await newStreamer();
    const here = await page(app, streamer);
    const there = await page(other, streamer);
    const [donation] = await ingestDonations(app, streamer.id, [sampleDonation({ donorName: 'Маша' })]);
    await here.next();
    await there.next();
    const announced: unknown[] = [];
    for (const on of new Set([app, other])) {
      on.app.get(EventEmitter2).on(DonationEvents.received, (payload) => announced.push(payload));
    }
    const rows = async () =>
      (
        await app.app
          .get(DataSource)
          .query<unknown[]>(`SELECT id FROM donations WHERE streamer_id = '${streamer.id}'`)
      ).length;

    const res = await control(streamer, `replay/${donation.id}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ donationId: donation.id });
    for (const stream of [here, there]) {
      const event = await stream.next();
      expect(event.event).toBe('replay');
      expect(event.id).not.toBe('');
      const data = JSON.parse(event.data) as ReplayAlertData;
      expect(data).toMatchObject({ donationId: donation.id, donorName: 'Маша', amount: donation.amount });
      expect(data.view.title).toContain('Маша');
      expect(data.replayedAt).toBeGreaterThanOrEqual(donation.receivedAt);
    }
    await expect(rows()).resolves.toBe(1);
    expect(announced).toEqual([]);
  });

  it("answers 404 for another streamer's, an unknown or a malformed donation, 409 for a held one, 401 without a session", async () => {
    const streamer = await newStreamer();
    const stranger = await newStreamer();
    const [theirs] = await ingestDonations(app, stranger.id, [sampleDonation()]);
    for (const id of [theirs.id, '00000000-0000-4000-8000-000000000000', 'nope']) {
      const res = await control(streamer, `replay/${id}`);
      expect({ id, status: res.status }).toEqual({ id, status: 404 });
    }
    const hold = await fetch(`${app.origin}/api/alerts/settings`, {
      method: 'PUT',
      headers: { cookie: sessionCookie(app, streamer.id), 'content-type': 'application/json' },
      body: JSON.stringify({ moderation: { action: 'hold', words: ['редиска'] } }),
    });
    expect(hold.status).toBe(200);
    const stream = await page(app, streamer);
    const [held, marker] = await ingestDonations(app, streamer.id, [
      sampleDonation({ message: 'редиска' }),
      sampleDonation(),
    ]);
    expect(JSON.parse((await stream.next()).data)).toMatchObject({ donationId: marker.id });
    expect((await control(streamer, `replay/${held.id}`)).status).toBe(409);
    for (const path of ['skip', 'pause', 'resume', `replay/${marker.id}`]) {
      expect((await fetch(`${app.origin}/api/overlay/${path}`, { method: 'POST' })).status).toBe(401);
    }
  });

  it('sends skip, pause and resume to every page in order, and a page that connects while paused opens paused', async () => {
    const streamer = await newStreamer();
    const here = await page(app, streamer);
    for (const action of ['skip', 'pause']) {
      expect((await control(streamer, action)).status).toBe(200);
    }
    expect(
      [await here.next(), await here.next()].map((event): unknown[] => [event.event, JSON.parse(event.data)]),
    ).toEqual([
      ['control', { action: 'skip' }],
      ['control', { action: 'pause' }],
    ]);

    // A new page elsewhere (no Last-Event-ID: an OBS restart) starts paused; the old skip is not replayed to it.
    const late = await page(other, streamer);
    const first = await late.next();
    expect([first.event, first.id, JSON.parse(first.data)]).toEqual([
      'control',
      undefined,
      { action: 'pause' },
    ]);

    expect((await control(streamer, 'resume')).status).toBe(200);
    for (const stream of [here, late]) {
      const event = await stream.next();
      expect([event.event, JSON.parse(event.data)]).toEqual(['control', { action: 'resume' }]);
    }
    const fresh = await page(other, streamer);
    const [next] = await ingestDonations(app, streamer.id, [sampleDonation()]);
    const event = await fresh.next();
    expect([event.event, JSON.parse(event.data).donationId]).toEqual(['donation', next.id]);
  });
});
