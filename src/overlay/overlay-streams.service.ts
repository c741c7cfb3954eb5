import { Injectable, Logger, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Response } from 'express';
import type { AllConfig } from '../../config';
import { Clock } from '../../libs/clock';
import { EventBus, type Unsubscribe } from '../../libs/event-bus';
import { compareEventIds, isEventId, type OverlayEvent } from './overlay-event';
import { OverlayEventLog } from './overlay-event-log';
import { OverlayMetrics } from './overlay.metrics';

export const OverlayTopics = {
  /** Payload: { streamerId }. Every instance closes that streamer's open streams; the token is not sent. */
  tokenRotated: 'overlay.token-rotated',
} as const;

export interface TokenRotated {
  streamerId: string;
}

const RECONNECT_DELAY_MS = 3000;
/**
 * A client that stops reading (a frozen OBS, a dead network path the kernel has not noticed) would make its
 * stream buffer events in this process without bound. Past this many unsent bytes the stream is dropped; the
 * page reconnects and replays what it missed from the history.
 */
export const MAX_UNSENT_BYTES = 1024 * 1024;

function eventFrame(event: OverlayEvent): string {
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`;
}

/** An empty `id` clears the page's last event id, so a reconnect after a reset does not reset again. */
const RESET_FRAME = 'id: \nevent: reset\ndata: {}\n\n';
const HEARTBEAT_FRAME = ':\n\n';

/**
 * The open SSE streams of this instance: replay after `Last-Event-ID`, then live events without gaps or
 * duplicates, heartbeats, and closing on token rotation (any instance) or shutdown.
 */
@Injectable()
export class OverlayStreams implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(OverlayStreams.name);
  private readonly byStreamer = new Map<string, Set<() => void>>();
  private readonly heartbeatMs: number;
  private unsubscribeBus?: Unsubscribe;

  constructor(
    private readonly log: OverlayEventLog,
    private readonly bus: EventBus,
    private readonly metrics: OverlayMetrics,
    private readonly clock: Clock,
    config: ConfigService<AllConfig, true>,
  ) {
    this.heartbeatMs = config.get('overlay.heartbeatMs', { infer: true });
  }

  async onModuleInit(): Promise<void> {
    this.unsubscribeBus = await this.bus.subscribe<TokenRotated>(OverlayTopics.tokenRotated, ({ payload }) =>
      this.closeStreamsOf(payload.streamerId),
    );
  }

  /** Ends every stream so clients reconnect to another instance instead of holding the shutdown open. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.unsubscribeBus?.();
    for (const streamerId of [...this.byStreamer.keys()]) {
      this.closeStreamsOf(streamerId);
    }
  }

  openStreams(): number {
    let count = 0;
    for (const streams of this.byStreamer.values()) {
      count += streams.size;
    }
    return count;
  }

  async serve(streamerId: string, lastEventId: string | undefined, res: Response): Promise<void> {
    res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    res.write(`retry: ${RECONNECT_DELAY_MS}\n\n`);

    let closed = false;
    let buffered: OverlayEvent[] | null = [];
    let lastWritten = lastEventId !== undefined && isEventId(lastEventId) ? lastEventId : undefined;
    const send = (event: OverlayEvent, mode: 'live' | 'replay'): void => {
      if (closed || (lastWritten !== undefined && compareEventIds(event.id, lastWritten) <= 0)) {
        return;
      }
      lastWritten = event.id;
      write(eventFrame(event));
      if (closed) {
        return;
      }
      this.metrics.delivered.inc({ type: event.type, mode });
      if (mode === 'live') {
        this.metrics.deliveryLatency.observe(Math.max(0, this.clock.now() - event.data.receivedAt) / 1000);
      }
    };

    let unsubscribe: (() => void) | undefined;
    let heartbeat: NodeJS.Timeout | undefined;
    const streams = this.byStreamer.get(streamerId) ?? new Set();
    this.byStreamer.set(streamerId, streams);
    const close = (): void => {
      if (closed) {
        return;
      }
      closed = true;
      this.metrics.openStreams.dec();
      clearInterval(heartbeat);
      unsubscribe?.();
      streams.delete(close);
      if (streams.size === 0 && this.byStreamer.get(streamerId) === streams) {
        this.byStreamer.delete(streamerId);
      }
      if (!res.writableEnded) {
        res.end();
      }
    };
    const write = (frame: string): void => {
      res.write(frame);
      if (res.writableLength > MAX_UNSENT_BYTES) {
        this.logger.warn(
          `Overlay stream of streamer ${streamerId} dropped: its client is not reading (${res.writableLength} bytes unsent)`,
        );
        this.metrics.slowStreamsDropped.inc();
        close();
        res.destroy();
      }
    };
    streams.add(close);
    this.metrics.openStreams.inc();
    res.on('close', close);

    try {
      // Subscribe before reading the history, so nothing appended in between is lost; the buffer is drained after.
      const stop = await this.log.subscribe(streamerId, (event) =>
        buffered ? buffered.push(event) : send(event, 'live'),
      );
      if (closed) {
        stop();
        return;
      }
      unsubscribe = stop;
      heartbeat = setInterval(() => write(HEARTBEAT_FRAME), this.heartbeatMs);
      if (lastEventId !== undefined) {
        const missed = lastWritten === undefined ? 'reset' : await this.log.since(streamerId, lastWritten);
        if (missed === 'reset') {
          lastWritten = undefined;
          res.write(RESET_FRAME);
        } else {
          missed.forEach((event) => send(event, 'replay'));
        }
      }
      const pending = buffered;
      buffered = null;
      pending.forEach((event) => send(event, 'live'));
    } catch (error) {
      this.logger.warn(`Overlay stream of streamer ${streamerId} failed: ${(error as Error).message}`);
      close();
    }
  }

  private closeStreamsOf(streamerId: string): void {
    for (const close of [...(this.byStreamer.get(streamerId) ?? [])]) {
      close();
    }
  }
}
