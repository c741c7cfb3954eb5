import request from 'supertest';
import type { DataSource } from 'typeorm';
import { OAuthCredentialsRepository } from '../../src/oauth';
import { OverlayEventLog } from '../../src/overlay/overlay-event-log';
import type { OverlayEvent } from '../../src/overlay/overlay-event';
import { RealtimeService } from '../../src/realtime';
import { RealtimeStatsService } from '../../src/realtime/realtime-stats.service';
import { PushActivity } from '../../src/donations/push-activity';
import type { FakeCentrifugo } from '../fakes/fake-centrifugo';
import { ADMIN_API_KEY } from '../support/admin';
import { requireElement } from '../support/html';
import { sessionCookie } from '../support/overlay';
import { DEPLOYMENTS, type Deployment } from '../support/deployments';
import {
  connectedStreamer,
  maxInAnyWindow,
  receivedDonations,
  startDonationAlertsRig,
  type DonationAlertsInstance,
  type DonationAlertsRig,
  type DonationAlertsStreamer,
} from '../support/donation-alerts';
import { waitFor, within } from '../support/waiting';

/** Sockets on, against the fake Centrifugo; short pings, reconnects and leases so a test takes seconds. */
function realtimeEnv(centrifugo: FakeCentrifugo): Record<string, string> {
  return {
    DA_REALTIME_ENABLED: 'true',
    DA_CENTRIFUGO_URL: centrifugo.url,
    DA_REALTIME_PING_MS: '200',
    DA_REALTIME_PONG_TIMEOUT_MS: '300',
    DA_REALTIME_SILENCE_MS: '1000',
    DA_REALTIME_RECONNECT_MIN_MS: '50',
    DA_REALTIME_RECONNECT_MAX_MS: '800',
    CLUSTER_RENEW_MS: '100',
    CLUSTER_LEASE_MS: '400',
    // The test runs the watchdog itself, so every pass is visible.
    WATCHDOG_INTERVAL_MS: '600000',
  };
}

async function rowsOf(dataSource: DataSource, streamerId: string): Promise<Array<{ channel: string }>> {
  return dataSource.query(
    dataSource.options.type === 'postgres'
      ? 'SELECT channel FROM donations WHERE streamer_id = $1'
      : 'SELECT channel FROM donations WHERE streamer_id = ?',
    [streamerId],
  );
}

describe.each<Deployment>(DEPLOYMENTS)('Realtime push (%s)', (deployment) => {
  let rig: DonationAlertsRig;
  let centrifugo: FakeCentrifugo;
  let instance: DonationAlertsInstance;

  beforeAll(async () => {
    rig = await startDonationAlertsRig(deployment);
    centrifugo = await rig.da.startCentrifugo();
    instance = await rig.boot(realtimeEnv(centrifugo));
  });

  afterAll(async () => {
    await rig?.close();
  });

  /** A connected streamer whose cursor is set (its first poll ran), with its socket subscribed. */
  async function subscribedStreamer(): Promise<DonationAlertsStreamer & { clientId: string }> {
    const streamer = await connectedStreamer(instance.app, rig.da, rig.clock);
    await instance.scheduler.pollOne(streamer.streamerId);
    const subscription = centrifugo.nextSubscription(streamer.daUserId);
    await instance.app.get(RealtimeService).watchdog();
    const clientId = await within(subscription, 5000, 'the subscription');
    await waitFor(async () => (await stateOf(streamer.streamerId)) === 'connected', { what: 'connected' });
    return { ...streamer, clientId };
  }

  async function statsOf(streamerId: string) {
    return (await instance.app.get(RealtimeStatsService).stats()).streamers[streamerId];
  }

  async function stateOf(streamerId: string): Promise<string | undefined> {
    return (await statsOf(streamerId))?.state;
  }

  async function overlayEventsOf(streamerId: string): Promise<OverlayEvent[]> {
    const events: OverlayEvent[] = [];
    await instance.app.get(OverlayEventLog).subscribe(streamerId, (event) => events.push(event));
    return events;
  }

  it('stores a pushed donation once (channel realtime), shows it once, and the poll that finds it again adds nothing', async () => {
    const streamer = await subscribedStreamer();
    const received = receivedDonations(instance.app);
    const overlay = await overlayEventsOf(streamer.streamerId);

    const donation = rig.da.addDonation(streamer.daUserId, { username: 'Pushed', amount: 150 });
    await waitFor(() => received.length === 1 && overlay.length === 1, { what: 'the push stored and shown' });

    expect(received[0]).toMatchObject({
      externalId: String(donation.id),
      channel: 'realtime',
      amount: '150.00',
    });
    await instance.scheduler.pollOne(streamer.streamerId);
    expect(await rowsOf(instance.dataSource, streamer.streamerId)).toEqual([{ channel: 'realtime' }]);
    expect(received).toHaveLength(1);
    expect(overlay).toHaveLength(1);
    expect(centrifugo.maxConcurrentConnectionsOf(streamer.daUserId)).toBe(1);
  });

  it('marks the streamer push-active over realtime while subscribed, so polling is the safety net', async () => {
    const streamer = await subscribedStreamer();

    await expect(instance.app.get(PushActivity).activeSource(streamer.streamerId)).resolves.toBe('realtime');
    const scheduler = await request(instance.server)
      .get('/api/donationalerts/scheduler/stats')
      .set('authorization', `Bearer ${ADMIN_API_KEY}`);
    expect(scheduler.body.streamers[streamer.streamerId]).toMatchObject({
      pushSource: 'realtime',
      webhookEnabled: false,
    });
  });

  it('tells the streamer on the dashboard that alerts arrive instantly, and that polling covers a socket down', async () => {
    const streamer = await subscribedStreamer();
    const dashboard = () =>
      request(instance.server)
        .get('/dashboard')
        .set('cookie', sessionCookie(instance, streamer.streamerId))
        .set('accept-language', 'ru');

    const connected = requireElement((await dashboard()).text, 'realtime-state');
    expect(connected.attributes['data-state']).toBe('connected');
    expect(connected.text).toBe('Оповещения приходят мгновенно.');

    centrifugo.silence(streamer.daUserId);
    await waitFor(async () => (await stateOf(streamer.streamerId)) === 'reconnecting', {
      what: 'reconnecting',
    });
    expect(requireElement((await dashboard()).text, 'realtime-state').attributes['data-state']).toBe(
      'connecting',
    );
    await waitFor(async () => (await stateOf(streamer.streamerId)) === 'connected', {
      what: 'connected again',
    });
  });

  it('reports every socket on the admin stats route, and refuses it without the admin key', async () => {
    const streamer = await subscribedStreamer();
    rig.da.addDonation(streamer.daUserId, { username: 'Counted' });
    await waitFor(async () => typeof (await statsOf(streamer.streamerId))?.lastPushAt === 'number', {
      what: 'the push recorded',
    });

    const stats = await request(instance.server)
      .get('/api/donationalerts/realtime/stats')
      .set('authorization', `Bearer ${ADMIN_API_KEY}`);
    expect(stats.status).toBe(200);
    expect(stats.body.enabled).toBe(true);
    expect(stats.body.byState.connected).toBeGreaterThanOrEqual(1);
    expect(stats.body.streamers[streamer.streamerId]).toEqual({
      state: 'connected',
      owner: instance.config.app.instanceId,
      since: expect.any(Number),
      lastPushAt: expect.any(Number),
      reconnects: 0,
      lastError: null,
    });
    expect((await request(instance.server).get('/api/donationalerts/realtime/stats')).status).toBe(401);
  });

  it('reconnects a dropped socket with a new client id and subscribe call; the follow-up poll finds what was donated meanwhile', async () => {
    const streamer = await subscribedStreamer();
    const subscribeCalls = rig.da.centrifugeSubscribeCallsOf(streamer.daUserId);
    const received = receivedDonations(instance.app);
    const resubscribed = centrifugo.nextSubscription(streamer.daUserId);

    centrifugo.drop(streamer.daUserId);
    const missed = rig.da.addDonation(streamer.daUserId, { username: 'WhileDown' }, { push: false });
    const clientId = await within(resubscribed, 5000, 'the resubscription');

    expect(clientId).not.toBe(streamer.clientId);
    expect(rig.da.centrifugeSubscribeCallsOf(streamer.daUserId)).toBe(subscribeCalls + 1);
    const due = (await instance.scheduler.snapshot()).entries.find(
      (e) => e.streamerId === streamer.streamerId,
    );
    expect(due?.dueAt).toBeLessThanOrEqual(rig.clock.now());
    await instance.scheduler.pollOne(streamer.streamerId);
    expect(received.map((d) => [d.externalId, d.channel])).toEqual([[String(missed.id), 'poll']]);
    expect(centrifugo.maxConcurrentConnectionsOf(streamer.daUserId)).toBe(1);
  });

  it('fetches a new socket token after an "expired" disconnect and reconnects with it', async () => {
    const streamer = await subscribedStreamer();
    const userCalls = rig.da.calls.userOauth;
    const resubscribed = centrifugo.nextSubscription(streamer.daUserId);

    centrifugo.expireConnectionToken(streamer.daUserId);
    await within(resubscribed, 5000, 'the resubscription with a new token');

    expect(rig.da.calls.userOauth).toBeGreaterThan(userCalls);
    await waitFor(async () => (await stateOf(streamer.streamerId)) === 'connected', {
      what: 'connected again',
    });
  });

  it.each([
    ['stops answering pings', (userId: number) => centrifugo.stopAnsweringPings(userId)],
    ['goes silent', (userId: number) => centrifugo.silence(userId)],
  ])('treats a socket that %s as dead and reconnects', async (_what, breakIt) => {
    const streamer = await subscribedStreamer();
    const resubscribed = centrifugo.nextSubscription(streamer.daUserId);
    const reconnectsBefore = (await statsOf(streamer.streamerId))?.reconnects ?? 0;

    breakIt(streamer.daUserId);
    const clientId = await within(resubscribed, 5000, 'the resubscription');

    expect(clientId).not.toBe(streamer.clientId);
    expect((await statsOf(streamer.streamerId))?.reconnects).toBe(reconnectsBefore + 1);
    await waitFor(() => centrifugo.connectionsOf(streamer.daUserId).length === 1, {
      what: 'the dead one closed',
    });
  });

  it('backs off a flapping socket with growing waits and doubles nothing', async () => {
    const streamer = await subscribedStreamer();
    const received = receivedDonations(instance.app);
    const subscribedAt: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const next = centrifugo.nextSubscription(streamer.daUserId);
      centrifugo.drop(streamer.daUserId);
      await within(next, 5000, `resubscription ${i + 1}`);
      subscribedAt.push(Date.now());
      rig.da.addDonation(streamer.daUserId, { username: `Flap${i}` });
      await waitFor(() => received.length === i + 1, { what: `push ${i + 1}` });
    }

    const gaps = subscribedAt.slice(1).map((at, i) => at - subscribedAt[i]);
    expect(gaps[gaps.length - 1]).toBeGreaterThan(gaps[0]);
    await instance.scheduler.pollOne(streamer.streamerId);
    expect(await rowsOf(instance.dataSource, streamer.streamerId)).toHaveLength(5);
    expect(new Set(received.map((d) => d.externalId)).size).toBe(5);
    expect(centrifugo.maxConcurrentConnectionsOf(streamer.daUserId)).toBe(1);
  });

  it('opens no socket, and stops at once, when it stops owning the streamer while the socket token is on its way', async () => {
    const streamer = await connectedStreamer(instance.app, rig.da, rig.clock);
    await instance.scheduler.pollOne(streamer.streamerId);
    const userCalls = rig.da.calls.userOauth;
    rig.da.latencyMs = 300;
    try {
      await instance.app.get(RealtimeService).watchdog();
      await waitFor(() => rig.da.calls.userOauth === userCalls + 1, { what: 'user/oauth asked' });

      await instance.app.get(OAuthCredentialsRepository).remove(streamer.streamerId, 'donationalerts');
      await within(instance.app.get(RealtimeService).watchdog(), 5000, 'the release');
    } finally {
      rig.da.latencyMs = 0;
    }

    expect(centrifugo.clientIdsOf(streamer.daUserId)).toEqual([]);
    expect(instance.app.get(RealtimeService).ownership.owned()).not.toContain(streamer.streamerId);
  });

  it('closes the socket of a streamer who disconnected DonationAlerts on the next watchdog pass', async () => {
    const streamer = await subscribedStreamer();
    const closed = centrifugo.nextClose(streamer.daUserId);

    await instance.app.get(OAuthCredentialsRepository).remove(streamer.streamerId, 'donationalerts');
    await instance.app.get(RealtimeService).watchdog();
    await within(closed, 5000, 'the socket closed');

    expect(centrifugo.connectionsOf(streamer.daUserId)).toEqual([]);
    expect(instance.app.get(RealtimeService).ownership.owned()).not.toContain(streamer.streamerId);
  });
});

describe('Realtime push across instances (postgres+redis)', () => {
  let rig: DonationAlertsRig;
  let centrifugo: FakeCentrifugo;

  beforeAll(async () => {
    rig = await startDonationAlertsRig('postgres+redis');
    centrifugo = await rig.da.startCentrifugo();
  });

  afterAll(async () => {
    await rig?.close();
  });

  const watchdogs = (instances: DonationAlertsInstance[]) =>
    Promise.all(instances.map((instance) => instance.app.get(RealtimeService).watchdog()));

  it('runs exactly one socket per streamer in fair shares, and the survivor takes over a stopped instance at once', async () => {
    const [first, second] = [
      await rig.boot(realtimeEnv(centrifugo)),
      await rig.boot(realtimeEnv(centrifugo)),
    ];
    const streamers: DonationAlertsStreamer[] = [];
    for (let i = 0; i < 4; i += 1) {
      streamers.push(await connectedStreamer(first.app, rig.da, rig.clock));
    }
    // Both instances heartbeat before either claims, so each sees the other and takes its fair share.
    await watchdogs([first, second]);
    await watchdogs([first, second]);
    await waitFor(() => streamers.every((s) => centrifugo.subscriptionsOf(s.daUserId).length === 1), {
      what: 'every streamer subscribed',
    });

    const owned = [first, second].map(
      (instance) => instance.app.get(RealtimeService).ownership.owned().length,
    );
    expect(owned.reduce((a, b) => a + b)).toBe(4);
    expect(Math.max(...owned) - Math.min(...owned)).toBeLessThanOrEqual(2);
    for (const { daUserId } of streamers) {
      expect(centrifugo.maxConcurrentConnectionsOf(daUserId)).toBe(1);
    }

    await first.close();
    rig.instances.splice(rig.instances.indexOf(first), 1);
    await watchdogs([second]);
    await waitFor(() => second.app.get(RealtimeService).ownership.owned().length === 4, {
      what: 'the survivor owning every streamer',
    });
    await waitFor(() => streamers.every((s) => centrifugo.subscriptionsOf(s.daUserId).length === 1), {
      what: 'every streamer subscribed again',
    });
    for (const { daUserId } of streamers) {
      expect(centrifugo.maxConcurrentConnectionsOf(daUserId)).toBe(1);
    }
  });
});

describe('Realtime push within the DonationAlerts budget', () => {
  // The real ratio, scaled down in time: 20 requests per second here stands for 60 a minute, so the test takes
  // seconds. Every socket costs two requests (user/oauth and centrifuge/subscribe).
  const LIMIT = 20;
  const WINDOW_MS = 1000;
  let rig: DonationAlertsRig;
  let advancing: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    rig = await startDonationAlertsRig('postgres+redis', {
      fake: { appRateLimit: LIMIT, rateWindowMs: WINDOW_MS },
    });
  });

  afterAll(async () => {
    clearInterval(advancing);
    await rig?.close();
  });

  it('connects 30 streamers without the fake ever seeing more than the application limit in any window', async () => {
    const centrifugo = await rig.da.startCentrifugo();
    const instance = await rig.boot({
      ...realtimeEnv(centrifugo),
      DA_APP_RATE_LIMIT: String(LIMIT),
      RATE_LIMIT_WINDOW: String(WINDOW_MS),
    });
    const streamers: DonationAlertsStreamer[] = [];
    for (let i = 0; i < 30; i += 1) {
      streamers.push(await connectedStreamer(instance.app, rig.da, rig.clock, { schedule: false }));
    }
    const requestsBefore = rig.da.apiRequestTimes().length;
    // The app's budget and the fake's limit both read the manual clock: let it run with real time.
    advancing = setInterval(() => rig.clock.advance(50), 50);

    await instance.app.get(RealtimeService).watchdog();
    await waitFor(() => streamers.every((s) => centrifugo.subscriptionsOf(s.daUserId).length === 1), {
      what: 'every streamer subscribed',
      timeoutMs: 15_000,
    });

    const times = rig.da.apiRequestTimes().slice(requestsBefore);
    expect(times.length).toBeGreaterThanOrEqual(60);
    expect(maxInAnyWindow(times, WINDOW_MS)).toBeLessThanOrEqual(LIMIT);
    expect(rig.da.rejectedForRate).toBe(0);
  });
});
