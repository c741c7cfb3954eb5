import { HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { MetricsService } from '../metrics';
import type { DeliveryResult } from './webhook-intake.service';

/** What became of one delivery: `stored`, `duplicate`, a rejection reason, `rate-limited` or `failed`. */
export function deliveryOutcome(settled: { result: DeliveryResult } | { error: unknown }): string {
  if ('result' in settled) {
    return settled.result.duplicate ? 'duplicate' : 'stored';
  }
  const { error } = settled;
  if (!(error instanceof HttpException)) {
    return 'failed';
  }
  const body = error.getResponse() as { reason?: unknown; message?: unknown };
  const status: number = error.getStatus();
  if (status === Number(HttpStatus.UNAUTHORIZED)) {
    return typeof body.reason === 'string' ? body.reason : 'bad-signature';
  }
  if (status === Number(HttpStatus.NOT_FOUND)) {
    return 'unknown-streamer';
  }
  if (status === Number(HttpStatus.TOO_MANY_REQUESTS)) {
    return 'rate-limited';
  }
  if (status === Number(HttpStatus.BAD_REQUEST)) {
    return body.message === 'Malformed JSON body' ? 'malformed-json' : 'invalid-body';
  }
  return 'failed';
}

@Injectable()
export class WebhookMetrics {
  readonly deliveries: Counter<'outcome'>;
  readonly duration: Histogram;

  constructor(metrics: MetricsService) {
    this.deliveries = new Counter({
      name: 'da_webhook_deliveries_total',
      help: 'Inbound webhook deliveries by outcome (stored, duplicate, a rejection reason, rate-limited, failed)',
      labelNames: ['outcome'],
      registers: [metrics.registry],
    });
    this.duration = new Histogram({
      name: 'da_webhook_duration_seconds',
      help: 'Time to answer an inbound webhook delivery (checks and the ingest)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [metrics.registry],
    });
  }
}
