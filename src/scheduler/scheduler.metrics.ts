import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { MetricsService } from '../metrics';

@Injectable()
export class SchedulerMetrics {
  readonly polls: Counter<'outcome'>;
  readonly pollDuration: Histogram;
  readonly scheduleLag: Histogram;

  constructor(metrics: MetricsService) {
    this.polls = new Counter({
      name: 'da_polls_total',
      help: 'DonationAlerts polls by outcome (ok, removed, or the error kind)',
      labelNames: ['outcome'],
      registers: [metrics.registry],
    });
    this.pollDuration = new Histogram({
      name: 'da_poll_duration_seconds',
      help: 'Duration of successful DonationAlerts polls (all pages and the ingest)',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [metrics.registry],
    });
    this.scheduleLag = new Histogram({
      name: 'da_schedule_lag_seconds',
      help: 'How late polls start compared with when they were due',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [metrics.registry],
    });
  }
}
