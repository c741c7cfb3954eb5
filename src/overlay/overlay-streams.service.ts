import { Injectable, Logger, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Response } from 'express';
import { InjectConfig, type OverlayConfig } from '../../config';
import { Clock } from '../../libs/clock';
import { EventBus, type Unsubscribe } from '../../libs/event-bus';
import { eventFrame, OverlayConnection } from './overlay-connection';
import { isAlertEvent, type OverlayEvent, type OverlayEventType } from './overlay-event';
import { OverlayEventLog, type Unsubscribe as StopListening } from './overlay-event-log';
import { OverlayTopics, type TokenRotated } from './overlay.events';
import { OverlayMetrics } from './overlay.metrics';

/**
 * A state sent first on a new stream, outside the log (no id). It is read after the stream's live events are
 * held back, so every change made after the read arrives after it, live; changes made just before may arrive
 * again, so applying an event must be idempotent for the page. The replay leaves out the event types the
 * snapshot supersedes: everything they said up to the read is in it, and what came after is delivered live.
 */
export interface OverlaySnapshot {
  type: string;
  data: unknown;
  /** More state frames after the first (the alert page's `pause` while the queue is paused). */
  then?: Array<{ type: string; data: unknown }>;
  supersedes: readonly OverlayEventType[];
}

interface Fanout {
  connections: Set<OverlayConnection>;
  /** The one log subscription of this streamer on this instance, shared by its connections. */
  subscribed: Promise<StopListening>;
}

/**
 * The open SSE streams of this instance: replay after `Last-Event-ID`, then live events without gaps or
 * duplicates, heartbeats, and closing on token rotation (any instance) or shutdown. Each streamer with open streams
 * here has one subscription to the event log, and each event is serialised once for all of them.
 */
@Injectable()
export class OverlayStreams implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(OverlayStreams.name);
  private readonly fanouts = new Map<string, Fanout>();
  private readonly heartbeatMs: number;
  private unsubscribeBus?: Unsubscribe;

  constructor(
    private readonly log: OverlayEventLog,
    private readonly bus: EventBus,
    private readonly metrics: OverlayMetrics,
    private readonly clock: Clock,
    @InjectConfig('overlay') overlay: OverlayConfig,
  ) {
    this.heartbeatMs = overlay.heartbeatMs;
    metrics.countOpenStreams(() => this.openStreams());
  }

  async onModuleInit(): Promise<void> {
    this.unsubscribeBus = await this.bus.subscribe<TokenRotated>(OverlayTopics.tokenRotated, ({ payload }) =>
      this.closeStreamsOf(payload.streamerId),
    );
  }

  /** Ends every stream so clients reconnect to another instance instead of holding the shutdown open. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.unsubscribeBus?.();
    for (const streamerId of [...this.fanouts.keys()]) {
      this.closeStreamsOf(streamerId);
    }
  }

  openStreams(): number {
    let count = 0;
    for (const fanout of this.fanouts.values()) {
      count += fanout.connections.size;
    }
    return count;
  }

  /**
   * Streams the streamer's events to `res`. `snapshot`, when given, is read once live events are held back and
   * written before the replay: a state that the events after it then keep current (see `OverlaySnapshot`).
   */
  async serve(
    streamerId: string,
    lastEventId: string | undefined,
    res: Response,
    snapshot?: () => Promise<OverlaySnapshot>,
  ): Promise<void> {
    const fanout = this.fanoutOf(streamerId);
    const connection = new OverlayConnection(res, lastEventId, {
      onClose: (closed) => this.detach(streamerId, fanout, closed),
      onDropped: (unsent) => {
        this.logger.warn(
          `Overlay stream of streamer ${streamerId} dropped: its client is not reading (${unsent} bytes unsent)`,
        );
        this.metrics.slowStreamsDropped.inc();
      },
    });
    fanout.connections.add(connection);
    try {
      // Live events are held back from the moment the subscription exists; the history is read after, so
      // nothing appended in between is lost, and the connection writes each event once.
      await fanout.subscribed;
      if (connection.isClosed) {
        return;
      }
      connection.startHeartbeat(this.heartbeatMs);
      const first = await snapshot?.();
      for (const frame of first ? [first, ...(first.then ?? [])] : []) {
        connection.snapshot(frame.type, frame.data);
      }
      if (lastEventId !== undefined) {
        const from = connection.replayFrom;
        const missed = from === undefined ? 'reset' : await this.log.since(streamerId, from);
        if (missed === 'reset') {
          connection.reset();
        } else {
          connection
            .replay(missed.filter((event) => !first?.supersedes.includes(event.type)))
            .forEach((event) => this.metrics.delivered.inc({ type: event.type, mode: 'replay' }));
        }
      }
      connection.goLive().forEach((event) => this.recordLive(event, 1));
    } catch (error) {
      this.logger.warn(`Overlay stream of streamer ${streamerId} failed: ${(error as Error).message}`);
      connection.close();
    }
  }

  private fanoutOf(streamerId: string): Fanout {
    const existing = this.fanouts.get(streamerId);
    if (existing) {
      return existing;
    }
    const connections = new Set<OverlayConnection>();
    const subscribed = this.log.subscribe(streamerId, (event) => this.deliver(event, connections));
    const fanout: Fanout = { connections, subscribed };
    this.fanouts.set(streamerId, fanout);
    return fanout;
  }

  /** One frame for all of this streamer's connections; metrics once per event, not once per connection. */
  private deliver(event: OverlayEvent, connections: Set<OverlayConnection>): void {
    const frame = eventFrame(event);
    let written = 0;
    for (const connection of connections) {
      if (connection.offer(event, frame)) {
        written += 1;
      }
    }
    this.recordLive(event, written);
  }

  /** Latency once per event and instance: until the last of its streams here got it. */
  private recordLive(event: OverlayEvent, written: number): void {
    if (written > 0) {
      this.metrics.delivered.inc({ type: event.type, mode: 'live' }, written);
      if (isAlertEvent(event)) {
        this.metrics.deliveryLatency.observe(Math.max(0, this.clock.now() - event.data.receivedAt) / 1000);
      }
    }
  }

  private detach(streamerId: string, fanout: Fanout, connection: OverlayConnection): void {
    fanout.connections.delete(connection);
    if (fanout.connections.size > 0 || this.fanouts.get(streamerId) !== fanout) {
      return;
    }
    this.fanouts.delete(streamerId);
    fanout.subscribed.then(
      (unsubscribe) => unsubscribe(),
      () => undefined,
    );
  }

  private closeStreamsOf(streamerId: string): void {
    for (const connection of [...(this.fanouts.get(streamerId)?.connections ?? [])]) {
      connection.close();
    }
  }
}
