import { Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { MetricsService } from '../metrics';

export interface LocalBotsView {
  statuses(): Iterable<string>;
  queueDepth(): number;
}

@Injectable()
export class BotsMetrics {
  readonly messagesSent: Counter<'kind'>;
  readonly reconnects: Counter;
  private local: LocalBotsView = { statuses: () => [], queueDepth: () => 0 };

  constructor(metrics: MetricsService) {
    this.messagesSent = new Counter({
      name: 'bot_messages_sent_total',
      help: 'Chat lines the bots of this instance sent, by kind (thanks, command)',
      labelNames: ['kind'],
      registers: [metrics.registry],
    });
    this.reconnects = new Counter({
      name: 'bot_reconnects_total',
      help: 'Chat reconnects of the bots of this instance',
      registers: [metrics.registry],
    });
    const view = () => this.local;
    new Gauge({
      name: 'bots_active',
      help: "This instance's chat bots by status",
      labelNames: ['status'],
      registers: [metrics.registry],
      collect() {
        this.reset();
        for (const status of view().statuses()) {
          this.inc({ status });
        }
      },
    });
    new Gauge({
      name: 'bot_send_queue_depth',
      help: 'Chat lines waiting for the chat budget in the bots of this instance',
      registers: [metrics.registry],
      collect() {
        this.set(view().queueDepth());
      },
    });
  }

  observe(local: LocalBotsView): void {
    this.local = local;
  }
}
