import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsService } from '../metrics';

@Injectable()
export class RealtimeMetrics {
  readonly pushes: Counter;
  readonly reconnects: Counter<'reason'>;
  readonly pushToStored: Histogram;
  /** This instance's sockets by state, read at scrape time. */
  private localStates: () => Iterable<string> = () => [];

  constructor(metrics: MetricsService) {
    this.pushes = new Counter({
      name: 'da_realtime_pushes_total',
      help: 'Donations pushed over DonationAlerts realtime sockets of this instance',
      registers: [metrics.registry],
    });
    this.reconnects = new Counter({
      name: 'da_realtime_reconnects_total',
      help: 'Realtime socket reconnects by reason (dropped, dead, token, refused, failed)',
      labelNames: ['reason'],
      registers: [metrics.registry],
    });
    const states = () => this.localStates();
    new Gauge({
      name: 'da_realtime_connections',
      help: "This instance's realtime sockets by state",
      labelNames: ['state'],
      registers: [metrics.registry],
      collect() {
        this.reset();
        for (const state of states()) {
          this.inc({ state });
        }
      },
    });
    this.pushToStored = new Histogram({
      name: 'da_realtime_push_to_stored_seconds',
      help: 'From a push arriving on the socket to the donation stored and announced',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [metrics.registry],
    });
  }

  countStates(read: () => Iterable<string>): void {
    this.localStates = read;
  }
}
