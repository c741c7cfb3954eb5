import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsService } from '../metrics';

@Injectable()
export class OverlayMetrics {
  readonly delivered: Counter<'type' | 'mode'>;
  readonly deliveryLatency: Histogram;
  readonly slowStreamsDropped: Counter;

  constructor(private readonly metrics: MetricsService) {
    this.delivered = new Counter({
      name: 'overlay_events_delivered_total',
      help: 'Overlay events written to SSE streams, by event type and mode (live, or replay after Last-Event-ID)',
      labelNames: ['type', 'mode'],
      registers: [metrics.registry],
    });
    this.deliveryLatency = new Histogram({
      name: 'overlay_delivery_latency_seconds',
      help: 'From storing a donation to writing its live event to an SSE stream',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [metrics.registry],
    });
    this.slowStreamsDropped = new Counter({
      name: 'overlay_slow_streams_dropped_total',
      help: 'Overlay SSE streams closed because their client stopped reading',
      registers: [metrics.registry],
    });
  }

  /** `chat_avatars_active`, counted at each scrape (see `AvatarWall`). */
  countActiveChatters(read: () => Promise<number>): void {
    new Gauge({
      name: 'chat_avatars_active',
      help: 'Viewers on the avatar walls this instance feeds (streamers whose chat lines reached it within AVATARS_IDLE_MS)',
      registers: [this.metrics.registry],
      async collect() {
        this.set(await read());
      },
    });
  }

  /** `overlay_sse_connections`, read from the streams themselves at each scrape. */
  countOpenStreams(read: () => number): void {
    new Gauge({
      name: 'overlay_sse_connections',
      help: 'Overlay SSE streams open on this instance',
      registers: [this.metrics.registry],
      collect() {
        this.set(read());
      },
    });
  }
}
