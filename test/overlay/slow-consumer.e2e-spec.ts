import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { MetricsService } from '../../src/metrics/metrics.service';
import { OverlayEventLog } from '../../src/overlay/overlay-event-log';
import { MAX_UNSENT_BYTES } from '../../src/overlay/overlay-connection';
import { OverlayStreams } from '../../src/overlay/overlay-streams.service';
import { StreamersRepository } from '../../src/streamers/streamers.repository';
import { createBackingServices, type BackingServices } from '../support/deployments';
import { bootApp, INSTANCE_TEST_ENV, type ListeningTestApp } from '../support/app';
import { openSse } from '../support/sse-client';
import { defaultView } from '../support/overlay-events';
import { ALERT_STREAM } from '../support/overlay';

/** About 16 KB of JSON per event: enough to fill the kernel's socket buffers in a few hundred events. */
const BIG_MESSAGE = 'x'.repeat(16 * 1024);
/** Far more than the kernel buffers plus MAX_UNSENT_BYTES can hold: reaching it means nothing dropped the stream. */
const MAX_EVENTS = Math.ceil((64 * 1024 * 1024) / BIG_MESSAGE.length);

describe('overlay stream of a client that stops reading', () => {
  let services: BackingServices;
  let app: ListeningTestApp;
  let socket: Socket | undefined;

  beforeAll(async () => {
    services = await createBackingServices('sqlite');
    app = await bootApp({ ...INSTANCE_TEST_ENV, ...services.env }, { listen: true });
  });

  afterEach(() => {
    socket?.destroy();
  });

  afterAll(async () => {
    await app?.close();
    await services?.close();
  });

  it('is dropped once its unsent bytes pass the limit, while a reading client of the same streamer keeps its events', async () => {
    const streamer = await app.app
      .get(StreamersRepository)
      .create({ twitchId: '90001', login: 'slow', displayName: 'Slow' });
    const streams = app.app.get(OverlayStreams);
    const log = app.app.get(OverlayEventLog);
    const reader = await openSse(`${app.origin}/overlay/${streamer.overlayToken!}/events`, {}, ALERT_STREAM);
    socket = connect(app.port, '127.0.0.1');
    await once(socket, 'connect');
    const headers = once(socket, 'data');
    socket.write(
      `GET /overlay/${streamer.overlayToken!}/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`,
    );
    await headers;
    socket.pause();

    let appended = 0;
    while (streams.openStreams() === 2 && appended < MAX_EVENTS) {
      appended += 1;
      await log.append(streamer.id, {
        type: 'donation',
        data: {
          donationId: `slow-${appended}`,
          donorName: 'Donor',
          amount: '1.00',
          currency: 'RUB',
          message: BIG_MESSAGE,
          createdAt: 0,
          receivedAt: Date.now(),
          view: defaultView('1.00', BIG_MESSAGE),
        },
      });
      // The reading client keeps up: each event reaches it before the next is appended.
      expect(JSON.parse((await reader.next()).data)).toMatchObject({ donationId: `slow-${appended}` });
    }
    expect(appended).toBeLessThan(MAX_EVENTS);
    // A paused socket reports the end only once it reads again.
    socket.resume();
    await once(socket, 'close');

    expect(appended * BIG_MESSAGE.length).toBeGreaterThan(MAX_UNSENT_BYTES);
    expect(streams.openStreams()).toBe(1);
    const metrics = await app.app.get(MetricsService).render();
    expect(metrics).toMatch(/^overlay_slow_streams_dropped_total 1$/m);
    reader.close();
    await reader.ended;
  });
});
