import { setTimeout as delay } from 'node:timers/promises';
import type { DataSource } from 'typeorm';
import type { FakeCentrifugo } from '../fakes/fake-centrifugo';
import { FakeDonationAlerts } from '../fakes/fake-donationalerts';
import { AppProcesses } from '../support/app-processes';
import { openDataSource } from '../support/databases';
import { createBackingServices, type BackingServices } from '../support/deployments';
import {
  donationAlertsEnv,
  maxInAnyWindow,
  seedConnectedStreamers,
  type DonationAlertsStreamer,
} from '../support/donation-alerts';
import { waitFor } from '../support/waiting';

/**
 * DonationAlerts' real application limit, unscaled: 60 API requests in any 60 s, shared by every streamer and
 * instance. 300 streamers with realtime on need 600 requests for their sockets alone (user/oauth and
 * centrifuge/subscribe each) plus a first poll each, so the cluster spends minutes connecting them; the test
 * watches a bit over two windows of it on three processes sharing the budget through Redis.
 */

const STREAMERS = 300;
/** DonationAlerts' limit, which the fake enforces (429) and the app's defaults (DA_APP_RATE_LIMIT, RATE_LIMIT_WINDOW) respect. */
const LIMIT = 60;
const WINDOW_MS = 60_000;
/** A little past the end of each of the first two windows, counted from the fake's first API request. */
const CHECKPOINTS_MS = [WINDOW_MS + 5_000, 2 * WINDOW_MS + 10_000];
/** Loading the compiled app took up to 40 s per process on a 2-core machine busy with other builds. */
const BOOT_TIMEOUT_MS = 90_000;

describe('Realtime push at DonationAlerts real limit (300 streamers, three processes)', () => {
  let services: BackingServices;
  let dataSource: DataSource;
  let da: FakeDonationAlerts;
  let centrifugo: FakeCentrifugo;
  let processes: AppProcesses;

  beforeAll(async () => {
    processes = new AppProcesses();
    services = await createBackingServices('postgres+redis');
    dataSource = await openDataSource(services.database);
    da = await FakeDonationAlerts.start({ appRateLimit: LIMIT, rateWindowMs: WINDOW_MS });
    centrifugo = await da.startCentrifugo();
  });

  afterAll(async () => {
    await processes?.close();
    await da?.close();
    await dataSource?.destroy();
    await services?.close();
  });

  function subscribedCount(streamers: DonationAlertsStreamer[]): number {
    return streamers.filter(({ daUserId }) => centrifugo.subscriptionsOf(daUserId).length > 0).length;
  }

  it(
    'never lets the fake see more than 60 requests in any 60 s window, and keeps subscribing sockets window after window',
    () =>
      processes.printOutputOnFailure(async () => {
        const streamers = await seedConnectedStreamers(dataSource, da, STREAMERS);
        await processes.start(
          ['budget-a', 'budget-b', 'budget-c'],
          {
            ...services.env,
            ...donationAlertsEnv(da),
            LOG_LEVEL: 'warn',
            DA_REALTIME_ENABLED: 'true',
            DA_CENTRIFUGO_URL: centrifugo.url,
            // Failover is not the subject: leases long enough that no claim is lost to a busy machine.
            CLUSTER_RENEW_MS: '1000',
            CLUSTER_LEASE_MS: '5000',
            WATCHDOG_INTERVAL_MS: '2000',
            LEADER_HEARTBEAT_MS: '2000',
            LEADER_LEASE_MS: '6000',
          },
          { timeoutMs: BOOT_TIMEOUT_MS },
        );
        await waitFor(() => da.apiRequestTimes().length > 0, {
          timeoutMs: 30_000,
          what: 'the first DonationAlerts request',
        });
        const firstRequestAt = da.apiRequestTimes()[0];

        const subscribed: number[] = [];
        for (const checkpoint of CHECKPOINTS_MS) {
          // The limit is over real minutes: only time passing fills a window.
          await delay(Math.max(0, firstRequestAt + checkpoint - Date.now()));
          subscribed.push(subscribedCount(streamers));
        }

        const times = da.apiRequestTimes();
        console.log(
          `300 streamers at ${LIMIT}/${WINDOW_MS / 1000} s: ${times.length} requests in ${Math.round((Date.now() - firstRequestAt) / 1000)} s, at most ${maxInAnyWindow(times, WINDOW_MS)} in a window; subscribed after each window ${subscribed.join(', ')}; calls ${JSON.stringify(da.calls)}`,
        );
        expect(maxInAnyWindow(times, WINDOW_MS)).toBeLessThanOrEqual(LIMIT);
        expect(da.rejectedForRate).toBe(0);
        // The budget is used, not left idle, and sockets keep coming up in the second window too.
        expect(times.length).toBeGreaterThanOrEqual(LIMIT);
        expect(subscribed[0]).toBeGreaterThan(0);
        expect(subscribed[1]).toBeGreaterThan(subscribed[0]);
        for (const { daUserId } of streamers) {
          expect(centrifugo.maxConcurrentConnectionsOf(daUserId)).toBeLessThanOrEqual(1);
        }
      }),
    BOOT_TIMEOUT_MS + CHECKPOINTS_MS[1] + 60_000,
  );
});
