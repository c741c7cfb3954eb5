import { DonationIngestor } from '../../src/donations/donation-ingestor';
import type { DonationAlertData } from '../../src/overlay/overlay-event';
import { OverlayEventLog } from '../../src/overlay/overlay-event-log';
import { OverlayStreams } from '../../src/overlay/overlay-streams.service';
import type { StreamerEntity } from '../../src/streamers/entities/streamer.entity';
import { StreamersRepository } from '../../src/streamers/streamers.repository';
import { ADMIN_API_KEY } from '../support/admin';
import { DEPLOYMENTS, createBackingServices, type BackingServices } from '../support/deployments';
import { bootApp, INSTANCE_TEST_ENV, type ListeningTestApp } from '../support/app';
import { openSse, type SseConnection, type SseEvent } from '../support/sse-client';
import { waitFor } from '../support/waiting';
import {
  ALERT_STREAM,
  ingestDonations,
  ingestOntoOverlay,
  sampleDonation,
  sessionCookie,
} from '../support/overlay';

function payload(event: SseEvent): DonationAlertData {
  return JSON.parse(event.data) as DonationAlertData;
}

describe.each(DEPLOYMENTS)('overlay SSE stream (%s)', (deployment) => {
  let services: BackingServices;
  let app: ListeningTestApp;
  let second: ListeningTestApp | undefined;
  const open: SseConnection[] = [];
  let streamerSeq = 0;

  async function newStreamer(on: ListeningTestApp = app): Promise<StreamerEntity> {
    streamerSeq += 1;
    const n = `${deployment === 'sqlite' ? 1 : 2}${streamerSeq}${Date.now() % 100_000}`;
    return on.app.get(StreamersRepository).create({ twitchId: n, login: `s${n}`, displayName: `S${n}` });
  }

  async function connect(
    on: ListeningTestApp,
    token: string,
    headers: Record<string, string> = {},
    query = '',
  ): Promise<SseConnection> {
    const connection = await openSse(
      `${on.origin}/overlay/${token}/events${query}`,
      headers,
      query.includes('wall=1') ? {} : ALERT_STREAM,
    );
    open.push(connection);
    return connection;
  }

  beforeAll(async () => {
    services = await createBackingServices(deployment);
    app = await bootApp(
      { ...INSTANCE_TEST_ENV, ...services.env, OVERLAY_HEARTBEAT_MS: '100', OVERLAY_HISTORY_SIZE: '5' },
      { listen: true },
    );
    if (deployment === 'postgres+redis') {
      second = await bootApp(
        { ...INSTANCE_TEST_ENV, ...services.env, DB_RUN_MIGRATIONS: 'false' },
        { listen: true },
      );
    }
  });

  afterEach(async () => {
    for (const connection of open.splice(0)) {
      connection.close();
      await connection.ended;
    }
  });

  afterAll(async () => {
    await second?.close();
    await app?.close();
    await services?.close();
  });

  it('answers an unknown token with 404 JSON', async () => {
    const res = await fetch(`${app.origin}/overlay/no-such-token/events`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    await res.body?.cancel();
  });

  it('streams donations in order, each with an id, after retry and the SSE headers', async () => {
    const streamer = await newStreamer();
    const stream = await connect(app, streamer.overlayToken!);
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(stream.headers.get('x-accel-buffering')).toBe('no');
    expect(stream.headers.get('cache-control')).toBe('no-cache, no-transform');

    const sent = [sampleDonation(), sampleDonation({ donorName: null }), sampleDonation()];
    await ingestDonations(app, streamer.id, sent);
    const events = [await stream.next(), await stream.next(), await stream.next()];

    expect(stream.retry).toBe(3000);
    expect(events.map((event) => event.event)).toEqual(['donation', 'donation', 'donation']);
    expect(events.map((event) => payload(event).amount)).toEqual(sent.map((d) => d.amount));
    expect(JSON.parse(events[1].data)).toMatchObject({
      donorName: null,
      currency: 'RUB',
      message: sent[1].message,
    });
    const ids = events.map((event) => event.id!);
    expect(new Set(ids).size).toBe(3);
    expect(ids.every((id) => id.length > 0)).toBe(true);
  });

  it('replays exactly the missed events after Last-Event-ID, then continues live without duplicates', async () => {
    const streamer = await newStreamer();
    const first = await connect(app, streamer.overlayToken!);
    await ingestDonations(app, streamer.id, [sampleDonation()]);
    const seen = await first.next();
    first.close();
    await first.ended;
    await waitFor(() => app.app.get(OverlayStreams).openStreams() === 0, { what: 'the stream to close' });

    // Ingested on the other instance when there is one: the replay comes from the shared history.
    const elsewhere = second ?? app;
    const missed = [sampleDonation(), sampleDonation()];
    await ingestOntoOverlay(elsewhere, streamer.id, missed);

    const again = await connect(app, streamer.overlayToken!, { 'Last-Event-ID': seen.id! });
    const replayed = [await again.next(), await again.next()];
    expect(replayed.map((event) => payload(event).amount)).toEqual(missed.map((d) => d.amount));

    const live = sampleDonation();
    await ingestDonations(elsewhere, streamer.id, [live]);
    expect(JSON.parse((await again.next()).data).amount).toBe(live.amount);
    expect(again.events).toHaveLength(3);

    const viaQuery = await connect(
      app,
      streamer.overlayToken!,
      {},
      `?lastEventId=${encodeURIComponent(replayed[1].id!)}`,
    );
    expect(JSON.parse((await viaQuery.next()).data).amount).toBe(live.amount);
  });

  it('sends a reset event for an id the history no longer holds', async () => {
    const streamer = await newStreamer();
    // More than the history holds: without Redis, '0' stands for a page that saw an event of an earlier boot.
    await ingestOntoOverlay(
      app,
      streamer.id,
      [1, 2, 3, 4, 5, 6].map(() => sampleDonation()),
    );
    const stream = await connect(app, streamer.overlayToken!, {
      'Last-Event-ID': deployment === 'sqlite' ? '0' : '1-0',
    });
    const reset = await stream.next();
    expect(reset).toEqual({ id: '', event: 'reset', data: '{}' });
    const live = sampleDonation();
    await ingestDonations(app, streamer.id, [live]);
    expect(JSON.parse((await stream.next()).data).amount).toBe(live.amount);
  });

  it("never shows one streamer's events on another's stream", async () => {
    const [a, b] = [await newStreamer(), await newStreamer()];
    const streamA = await connect(app, a.overlayToken!);
    const streamB = await connect(second ?? app, b.overlayToken!);
    await ingestDonations(app, b.id, [sampleDonation()]);
    const forA = sampleDonation();
    await ingestDonations(second ?? app, a.id, [forA]);
    expect(JSON.parse((await streamA.next()).data).amount).toBe(forA.amount);
    await streamB.next();
    expect(streamA.events).toHaveLength(1);
    expect(streamB.events).toHaveLength(1);
  });

  it('delivers test alerts from the dashboard and the admin route, once each', async () => {
    const streamer = await newStreamer();
    const stream = await connect(app, streamer.overlayToken!);
    const anonymous = await fetch(`${app.origin}/api/overlay/test-alert`, { method: 'POST' });
    expect(anonymous.status).toBe(401);
    await anonymous.body?.cancel();

    const own = await fetch(`${app.origin}/api/overlay/test-alert`, {
      method: 'POST',
      headers: { cookie: sessionCookie(app, streamer.id) },
    });
    expect(own.status).toBe(201);
    const { donationId } = (await own.json()) as { donationId: string };
    const event = await stream.next();
    expect(event.event).toBe('test');
    expect(JSON.parse(event.data)).toMatchObject({ donationId, currency: 'RUB' });

    const admin = { authorization: `Bearer ${ADMIN_API_KEY}` };
    const unknown = await fetch(`${app.origin}/api/admin/streamers/nobody/test-alert`, {
      method: 'POST',
      headers: admin,
    });
    expect(unknown.status).toBe(404);
    await unknown.body?.cancel();
    const byAdmin = await fetch(`${app.origin}/api/admin/streamers/${streamer.id}/test-alert`, {
      method: 'POST',
      headers: admin,
    });
    expect(byAdmin.status).toBe(201);
    const adminAlert = (await byAdmin.json()) as { donationId: string };
    expect(JSON.parse((await stream.next()).data).donationId).toBe(adminAlert.donationId);
  });

  it('shows a re-announced donation once', async () => {
    const streamer = await newStreamer();
    const stream = await connect(app, streamer.overlayToken!);
    const ingestor = app.app.get(DonationIngestor);
    const [stored] = await ingestor.ingest({
      streamerId: streamer.id,
      provider: 'donationalerts',
      channel: 'poll',
      donations: [sampleDonation()],
    });
    await stream.next();
    await (
      ingestor as unknown as { announcer: { announce(d: unknown[]): Promise<void> } }
    ).announcer.announce([stored]);
    const after = sampleDonation();
    await ingestDonations(app, streamer.id, [after]);
    expect(JSON.parse((await stream.next()).data).amount).toBe(after.amount);
    expect(stream.events).toHaveLength(2);
  });

  it('closes the streams of a rotated token on every instance; the old URL then answers 404', async () => {
    const streamer = await newStreamer();
    const here = await connect(app, streamer.overlayToken!);
    const there = await connect(second ?? app, streamer.overlayToken!);
    const res = await fetch(`${app.origin}/api/overlay/rotate-token`, {
      method: 'POST',
      headers: { cookie: sessionCookie(app, streamer.id) },
    });
    expect(res.status).toBe(200);
    const { overlayUrl } = (await res.json()) as { overlayUrl: string };
    await Promise.all([here.ended, there.ended]);

    const old = await fetch(`${app.origin}/overlay/${streamer.overlayToken!}/events`);
    expect(old.status).toBe(404);
    await old.body?.cancel();
    const token = overlayUrl.split('/').pop()!;
    const fresh = await connect(second ?? app, token);
    expect(fresh.status).toBe(200);
    const unauthenticated = await fetch(`${app.origin}/api/overlay/rotate-token`, { method: 'POST' });
    expect(unauthenticated.status).toBe(401);
    await unauthenticated.body?.cancel();
  });

  it('sends heartbeats at the configured period', async () => {
    const streamer = await newStreamer();
    const stream = await connect(app, streamer.overlayToken!);
    await stream.comment(2, 2000);
    expect(stream.comments).toBeGreaterThanOrEqual(2);
  });

  it('frees listeners, timers and stream interest after 200 connect/disconnect cycles', async () => {
    const streamer = await newStreamer();
    const log = app.app.get(OverlayEventLog);
    const streams = app.app.get(OverlayStreams);
    const before = { log: log.stats(), streams: streams.openStreams() };
    for (let cycle = 0; cycle < 200; cycle++) {
      const stream = await openSse(`${app.origin}/overlay/${streamer.overlayToken!}/events`);
      stream.close();
      await stream.ended;
    }
    await waitFor(
      () => streams.openStreams() === before.streams && log.stats().listeners === before.log.listeners,
      {
        what: 'every stream to be released',
      },
    );
    expect(log.stats()).toEqual(before.log);
    const stream = await connect(app, streamer.overlayToken!);
    const live = sampleDonation();
    await ingestDonations(app, streamer.id, [live]);
    expect(JSON.parse((await stream.next()).data).amount).toBe(live.amount);
  });
});
