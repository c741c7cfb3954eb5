import { compareEventIds, type DonationAlertData } from '../../src/overlay/overlay-event';
import { OverlayEventLog } from '../../src/overlay/overlay-event-log';
import { OverlayStreams } from '../../src/overlay/overlay-streams.service';
import type { StreamerEntity } from '../../src/streamers/entities/streamer.entity';
import { StreamersRepository } from '../../src/streamers/streamers.repository';
import { EventSourceClient, type EventSourceOptions, type ReceivedEvent } from '../support/sse-client';
import { metricValue } from '../support/metrics';
import { httpGet } from '../support/http';
import { ADMIN_API_KEY } from '../support/admin';
import { DEPLOYMENTS, createBackingServices, type BackingServices } from '../support/deployments';
import { TestLoadBalancer } from '../support/load-balancer';
import { bootApp, INSTANCE_TEST_ENV, type ListeningTestApp } from '../support/app';
import { waitFor, within } from '../support/waiting';
import { ingestDonations, sampleDonation, sessionCookie } from '../support/overlay';

/** The server's `retry:` plus room for a slow machine: how long a reconnect may take. */
const RECONNECT_WITHIN_MS = 3000 + 5000;
const CONNECTING = 0;
const CLOSED = 2;
/** A short history, so a test can push an id out of it (exactly without Redis; Redis trims in whole nodes). */
const OVERLAY_ENV = { OVERLAY_HISTORY_SIZE: '5' };

/** Resolves once `count` events after `lastId` are in the history, i.e. a reconnect now replays them. */
async function inHistory(
  on: ListeningTestApp,
  streamerId: string,
  lastId: string,
  count: number,
): Promise<void> {
  const log = on.app.get(OverlayEventLog);
  await waitFor(
    async () => {
      const missed = await log.since(streamerId, lastId);
      return missed !== 'reset' && missed.length === count;
    },
    { what: `${count} events after ${lastId} in the history` },
  );
}

function payload(event: ReceivedEvent): DonationAlertData {
  return JSON.parse(event.data) as DonationAlertData;
}

function expectStrictlyIncreasing(ids: string[]): void {
  expect(ids.every((id) => /^\d+(-\d+)?$/.test(id))).toBe(true);
  ids.slice(1).forEach((id, i) => expect(compareEventIds(ids[i], id)).toBe(-1));
}

async function metrics(on: ListeningTestApp): Promise<string> {
  const res = await httpGet(`${on.origin}/metrics`);
  expect(res.status).toBe(200);
  return res.body;
}

/** Connect/disconnect cycles of the leak test, LEAK_BATCH clients at a time. */
const LEAK_CYCLES = 1_000;
const LEAK_BATCH = 50;

/** Timers (setTimeout and setInterval) keeping the process alive. */
function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
}

const DELIVERED = 'overlay_events_delivered_total';
const CONNECTIONS = 'overlay_sse_connections';
const LATENCY_COUNT = 'overlay_delivery_latency_seconds_count';

describe.each(DEPLOYMENTS)('overlay stream through a real EventSource (%s)', (deployment) => {
  let services: BackingServices;
  let app: ListeningTestApp;
  const clients: EventSourceClient[] = [];
  const balancers: TestLoadBalancer[] = [];
  /** Instances booted by one test, with their shutdown once the test began it. */
  const instances = new Map<ListeningTestApp, Promise<void> | undefined>();
  let streamerSeq = 0;

  async function newStreamer(on: ListeningTestApp = app): Promise<StreamerEntity> {
    streamerSeq += 1;
    const n = `${deployment === 'sqlite' ? 3 : 4}${streamerSeq}${Date.now() % 100_000}`;
    return on.app.get(StreamersRepository).create({ twitchId: n, login: `e${n}`, displayName: `E${n}` });
  }

  function listen(origin: string, streamer: StreamerEntity, options?: EventSourceOptions): EventSourceClient {
    const client = new EventSourceClient(`${origin}/overlay/${streamer.overlayToken!}/events`, options);
    clients.push(client);
    return client;
  }

  async function bootInstance(): Promise<ListeningTestApp> {
    const instance = await bootApp(
      { ...INSTANCE_TEST_ENV, ...services.env, ...OVERLAY_ENV, DB_RUN_MIGRATIONS: 'false' },
      { listen: true },
    );
    instances.set(instance, undefined);
    return instance;
  }

  /** What SIGTERM does after draining: app.close(), without the test helper's forced closing of connections. */
  function shutDownGracefully(instance: ListeningTestApp): Promise<void> {
    const closing = instance.app.close();
    instances.set(instance, closing);
    return closing;
  }

  async function startBalancer(upstreams: () => ListeningTestApp[]): Promise<TestLoadBalancer> {
    const balancer = await TestLoadBalancer.start(upstreams);
    balancers.push(balancer);
    return balancer;
  }

  beforeAll(async () => {
    services = await createBackingServices(deployment);
    app = await bootApp({ ...INSTANCE_TEST_ENV, ...services.env, ...OVERLAY_ENV }, { listen: true });
  });

  afterEach(async () => {
    clients.splice(0).forEach((client) => client.close());
    for (const balancer of balancers.splice(0)) {
      await balancer.close();
    }
    for (const [instance, closing] of instances) {
      if (closing) {
        // A graceful shutdown that hung (the failure a test reports) is finished by force.
        instance.app.getHttpServer().closeAllConnections();
        await closing.catch(() => undefined);
      } else {
        await instance.close();
      }
    }
    instances.clear();
    await waitFor(() => app.app.get(OverlayStreams).openStreams() === 0, {
      what: 'the streams of the test to close',
    });
  });

  afterAll(async () => {
    await app?.close();
    await services?.close();
  });

  it('receives donations and test alerts in order, each with a strictly increasing lastEventId', async () => {
    const streamer = await newStreamer();
    const client = listen(app.origin, streamer);
    await client.opened();

    const before = [sampleDonation(), sampleDonation(), sampleDonation()];
    await ingestDonations(app, streamer.id, before);
    const alert = await fetch(`${app.origin}/api/admin/streamers/${streamer.id}/test-alert`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_API_KEY}` },
    });
    expect(alert.status).toBe(201);
    const { donationId } = (await alert.json()) as { donationId: string };
    const after = sampleDonation();
    await ingestDonations(app, streamer.id, [after]);
    const events = await client.take(5);

    expect(events.map((event) => event.type)).toEqual([
      'donation',
      'donation',
      'donation',
      'test',
      'donation',
    ]);
    expect(events.map((event) => payload(event).amount)).toEqual([
      ...before.map((d) => d.amount),
      '100.00',
      after.amount,
    ]);
    expect(payload(events[3]).donationId).toBe(donationId);
    expectStrictlyIncreasing(events.map((event) => event.lastEventId));
    expect(client.errors).toEqual([]);
    expect(client.requests).toHaveLength(1);
  });

  it('gets a reset event for an id older than the history, then live events', async () => {
    const streamer = await newStreamer();
    const first = listen(app.origin, streamer);
    await first.opened();
    await ingestDonations(
      app,
      streamer.id,
      [1, 2, 3, 4, 5, 6].map(() => sampleDonation()),
    );
    const [oldest] = await first.take(6);
    first.close();
    // Without Redis the oldest of six is out of the five-event ring; Redis trims approximately, so there the
    // id is one from before the stream began.
    const tooOld = deployment === 'sqlite' ? oldest.lastEventId : '1-0';

    const client = listen(app.origin, streamer, { headers: { 'Last-Event-ID': tooOld } });
    const reset = await client.next();
    const live = sampleDonation();
    await ingestDonations(app, streamer.id, [live]);
    const next = await client.next();

    expect(reset).toEqual({ type: 'reset', lastEventId: '', data: '{}' });
    expect(payload(next).amount).toBe(live.amount);
    expect(next.lastEventId).not.toBe('');
  });

  it("never hands one streamer's events to another's stream", async () => {
    const [a, b] = [await newStreamer(), await newStreamer()];
    const [forA, forB] = [listen(app.origin, a), listen(app.origin, b)];
    await Promise.all([forA.opened(), forB.opened()]);

    const [a1, b1, a2, b2] = [sampleDonation(), sampleDonation(), sampleDonation(), sampleDonation()];
    await ingestDonations(app, a.id, [a1]);
    await ingestDonations(app, b.id, [b1]);
    await ingestDonations(app, a.id, [a2]);
    await ingestDonations(app, b.id, [b2]);

    expect((await forA.take(2)).map((event) => payload(event).amount)).toEqual([a1.amount, a2.amount]);
    // b2 was stored after a2: had a2 reached B's stream, it would come before b2.
    expect((await forB.take(2)).map((event) => payload(event).amount)).toEqual([b1.amount, b2.amount]);
  });

  it('gives up on a rotated token (its stream ends, the reconnect gets 404); the new URL streams', async () => {
    const streamer = await newStreamer();
    const old = listen(app.origin, streamer);
    await old.opened();

    const res = await fetch(`${app.origin}/api/overlay/rotate-token`, {
      method: 'POST',
      headers: { cookie: sessionCookie(app, streamer.id) },
    });
    expect(res.status).toBe(200);
    const { overlayUrl } = (await res.json()) as { overlayUrl: string };
    const ended = await old.nextError();
    const refused = await old.nextError(RECONNECT_WITHIN_MS);
    const renewed = new EventSourceClient(`${overlayUrl}/events`);
    clients.push(renewed);
    await renewed.opened();
    const live = sampleDonation();
    await ingestDonations(app, streamer.id, [live]);

    expect(ended).toEqual({ message: undefined, code: undefined, readyState: CONNECTING });
    expect(refused).toMatchObject({ code: 404, readyState: CLOSED });
    expect(payload(await renewed.next()).amount).toBe(live.amount);
    expect(old.events).toEqual([]);
  });

  it('ends open streams when the app shuts down, and the shutdown does not wait for them', async () => {
    const instance = await bootInstance();
    const streamer = await newStreamer(instance);
    const client = listen(instance.origin, streamer);
    await client.opened();
    await ingestDonations(instance, streamer.id, [sampleDonation()]);
    await client.next();

    const closing = shutDownGracefully(instance);
    // No message: the server ended the response; a torn connection would say "terminated" or the like.
    await expect(client.nextError(2000)).resolves.toEqual({
      message: undefined,
      code: undefined,
      readyState: CONNECTING,
    });
    await within(closing, 2000, 'app.close() with an overlay stream open');
    expect(instance.app.get(OverlayStreams).openStreams()).toBe(0);
  });

  it('counts open streams, live and replayed deliveries and their latency in /metrics, without the admin key', async () => {
    const streamer = await newStreamer();
    const start = await metrics(app);
    expect(metricValue(start, CONNECTIONS)).toBe(0);
    const live = { type: 'donation', mode: 'live' };
    const replay = { type: 'donation', mode: 'replay' };

    const client = listen(app.origin, streamer);
    await client.opened();
    expect(metricValue(await metrics(app), CONNECTIONS)).toBe(1);
    await ingestDonations(app, streamer.id, [sampleDonation()]);
    const seen = await client.next();
    const afterLive = await metrics(app);
    expect(metricValue(afterLive, DELIVERED, live)).toBe(metricValue(start, DELIVERED, live) + 1);
    expect(metricValue(afterLive, LATENCY_COUNT)).toBe(metricValue(start, LATENCY_COUNT) + 1);
    expect(metricValue(afterLive, LATENCY_COUNT)).toBeGreaterThanOrEqual(1);
    expect(metricValue(afterLive, DELIVERED, replay)).toBe(metricValue(start, DELIVERED, replay));

    client.close();
    await waitFor(async () => metricValue(await metrics(app), CONNECTIONS) === 0, {
      what: `${CONNECTIONS} to drop to 0 after the client closed`,
    });

    const missed = sampleDonation();
    await ingestDonations(app, streamer.id, [missed]);
    await inHistory(app, streamer.id, seen.lastEventId, 1);
    const again = listen(app.origin, streamer, { headers: { 'Last-Event-ID': seen.lastEventId } });
    expect(payload(await again.next()).amount).toBe(missed.amount);
    const afterReplay = await metrics(app);
    expect(metricValue(afterReplay, DELIVERED, replay)).toBe(metricValue(afterLive, DELIVERED, replay) + 1);
    expect(metricValue(afterReplay, DELIVERED, live)).toBe(metricValue(afterLive, DELIVERED, live));
    expect(metricValue(afterReplay, LATENCY_COUNT)).toBe(metricValue(afterLive, LATENCY_COUNT));
    expect(metricValue(afterReplay, CONNECTIONS)).toBe(1);

    again.close();
    await waitFor(async () => metricValue(await metrics(app), CONNECTIONS) === 0, {
      what: `${CONNECTIONS} to drop to 0 after the replaying client closed`,
    });
  });

  it('frees streams, listeners, heartbeat timers and the gauge after 1,000 EventSource connect/disconnect cycles', async () => {
    const streamer = await newStreamer();
    const log = app.app.get(OverlayEventLog);
    const streams = app.app.get(OverlayStreams);
    const before = { log: log.stats(), streams: streams.openStreams(), timers: activeTimers() };

    for (let batch = 0; batch < LEAK_CYCLES / LEAK_BATCH; batch++) {
      const batchClients = Array.from({ length: LEAK_BATCH }, () => listen(app.origin, streamer));
      await Promise.all(batchClients.map((client) => client.opened()));
      if (batch === 0) {
        // Each open stream holds a heartbeat interval: the count below would see one that outlived its stream.
        await waitFor(() => activeTimers() >= before.timers + LEAK_BATCH, {
          what: 'a heartbeat timer per open stream',
        });
      }
      batchClients.forEach((client) => client.close());
    }
    clients.splice(0);

    await waitFor(
      () => streams.openStreams() === before.streams && log.stats().listeners === before.log.listeners,
      { what: 'every stream to be released' },
    );
    expect(log.stats()).toEqual(before.log);
    expect(activeTimers() - before.timers).toBeLessThan(LEAK_BATCH / 2);
    expect(metricValue(await metrics(app), CONNECTIONS)).toBe(before.streams);

    const client = listen(app.origin, streamer);
    await client.opened();
    const live = sampleDonation();
    await ingestDonations(app, streamer.id, [live]);
    expect(payload(await client.next()).amount).toBe(live.amount);
  });

  if (deployment === 'postgres+redis') {
    it('reconnects by itself through the load balancer when an instance shuts down, and gets exactly what it missed', async () => {
      const [a, b] = [await bootInstance(), await bootInstance()];
      let aInRotation = true;
      const balancer = await startBalancer(() => [a, b]);
      balancer.route = () => (aInRotation ? 0 : 1);
      const streamer = await newStreamer(b);
      const client = listen(balancer.origin, streamer);
      await client.opened();
      const had = [sampleDonation(), sampleDonation()];
      await ingestDonations(b, streamer.id, had);
      const received = await client.take(2);

      // A load balancer takes a draining instance out of rotation.
      aInRotation = false;
      const closing = shutDownGracefully(a);
      await expect(client.nextError(2000)).resolves.toEqual({
        message: undefined,
        code: undefined,
        readyState: CONNECTING,
      });
      await within(closing, 2000, 'instance A to shut down with an overlay stream open');

      const missed = [sampleDonation(), sampleDonation()];
      await ingestDonations(b, streamer.id, missed);
      await inHistory(b, streamer.id, received[1].lastEventId, 2);
      expect(client.readyState).toBe(CONNECTING);
      expect(client.opens).toBe(1);

      received.push(...(await client.take(2, RECONNECT_WITHIN_MS)));
      const live = sampleDonation();
      await ingestDonations(b, streamer.id, [live]);
      received.push(await client.next());

      expect(client.opens).toBe(2);
      expect(client.requests.map((headers) => headers['Last-Event-ID'])).toEqual([
        undefined,
        received[1].lastEventId,
      ]);
      expect(balancer.routed.map(({ path, instance }) => [path, instance])).toEqual([
        [`/overlay/${streamer.overlayToken!}/events`, 0],
        [`/overlay/${streamer.overlayToken!}/events`, 1],
      ]);
      expect(received.map((event) => payload(event).amount)).toEqual(
        [...had, ...missed, live].map((d) => d.amount),
      );
      expectStrictlyIncreasing(received.map((event) => event.lastEventId));
      expect(client.events).toHaveLength(5);
    });
  }

  if (deployment === 'sqlite') {
    it('after a restart, replays every donation the new process stored to a client reconnecting with an old id', async () => {
      // The replacement boots ahead, so the reconnect never finds the URL down; its log starts empty all the same.
      const before = await bootInstance();
      const after = await bootInstance();
      let current = before;
      const balancer = await startBalancer(() => [current]);
      const streamer = await newStreamer(before);
      const client = listen(balancer.origin, streamer);
      await client.opened();
      await ingestDonations(before, streamer.id, [sampleDonation(), sampleDonation()]);
      const [, last] = await client.take(2);

      await shutDownGracefully(before);
      current = after;
      expect((await client.nextError()).readyState).toBe(CONNECTING);
      const appended: string[] = [];
      const stopWatching = await after.app
        .get(OverlayEventLog)
        .subscribe(streamer.id, (event) => appended.push(event.id));
      const missed = [sampleDonation(), sampleDonation(), sampleDonation()];
      await ingestDonations(after, streamer.id, missed);
      await waitFor(() => appended.length === missed.length, {
        what: 'the new process to log the donations',
      });
      stopWatching();
      expect(client.readyState).toBe(CONNECTING);

      await client.opened(2, RECONNECT_WITHIN_MS);
      expect(client.requests[1]['Last-Event-ID']).toBe(last.lastEventId);
      const sentinel = sampleDonation();
      await ingestDonations(after, streamer.id, [sentinel]);
      await waitFor(() => client.events.some((event) => payload(event).amount === sentinel.amount), {
        what: 'the live donation after the reconnect',
      });
      expect(client.events.slice(2).map((event) => payload(event).amount)).toEqual(
        [...missed, sentinel].map((d) => d.amount),
      );
    });
  }
});
