import type { Response } from 'express';
import { compareEventIds, isEventId, type OverlayEvent } from './overlay-event';

const RECONNECT_DELAY_MS = 3000;
/**
 * A client that stops reading (a frozen OBS, a dead network path the kernel has not noticed) would make its
 * stream buffer events in this process without bound. Past this many unsent bytes the stream is dropped; the
 * page reconnects and replays what it missed from the history.
 */
export const MAX_UNSENT_BYTES = 1024 * 1024;

export function eventFrame(event: OverlayEvent): string {
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`;
}

/** An empty `id` clears the page's last event id, so a reconnect after a reset does not reset again. */
const RESET_FRAME = 'id: \nevent: reset\ndata: {}\n\n';
const HEARTBEAT_FRAME = ':\n\n';

export interface ConnectionHooks {
  /** Called once, however the stream ends. */
  onClose(connection: OverlayConnection): void;
  /** The client stopped reading, so the stream was dropped (after onClose). */
  onDropped(unsentBytes: number): void;
}

/**
 * One open SSE response. Until `goLive`, live events are held back while the replay is written; each event is
 * written at most once and never one older than the last written, so a replay and live delivery that overlap
 * leave neither a gap nor a duplicate.
 */
export class OverlayConnection {
  private closed = false;
  private held: OverlayEvent[] | null = [];
  private lastWritten: string | undefined;
  private heartbeat?: NodeJS.Timeout;

  constructor(
    private readonly res: Response,
    lastEventId: string | undefined,
    private readonly hooks: ConnectionHooks,
  ) {
    this.lastWritten = lastEventId !== undefined && isEventId(lastEventId) ? lastEventId : undefined;
    res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    // The first write sends the headers with it: one packet, no separate flush.
    res.write(`retry: ${RECONNECT_DELAY_MS}\n\n`);
    res.on('close', () => this.close());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** The id replay starts after, or undefined when the client sent none, or one that cannot be an id. */
  get replayFrom(): string | undefined {
    return this.lastWritten;
  }

  startHeartbeat(periodMs: number): void {
    if (!this.closed) {
      this.heartbeat = setInterval(() => this.write(HEARTBEAT_FRAME), periodMs);
    }
  }

  /** A live event: held back until `goLive`; returns whether it was written now. */
  offer(event: OverlayEvent, frame: string): boolean {
    if (this.held) {
      this.held.push(event);
      return false;
    }
    return this.send(event, frame);
  }

  /** Writes the missed events, oldest first; returns the ones written. */
  replay(events: OverlayEvent[]): OverlayEvent[] {
    return events.filter((event) => this.send(event, eventFrame(event)));
  }

  /**
   * A frame that is not an event of the log, such as the current avatar wall: it has no `id:` line, so the
   * page's last event id (and with it the replay after a reconnect) stays as it was.
   */
  snapshot(type: string, data: unknown): void {
    if (!this.closed) {
      this.write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
    }
  }

  /** The missed events are gone from the history: tells the page to resync. */
  reset(): void {
    this.lastWritten = undefined;
    this.write(RESET_FRAME);
  }

  /** Writes the events held back during the replay; returns them as written. */
  goLive(): OverlayEvent[] {
    const held = this.held ?? [];
    this.held = null;
    return held.filter((event) => this.send(event, eventFrame(event)));
  }

  close(): void {
    if (this.closed) {
      return;
    }
    this.closed = true;
    clearInterval(this.heartbeat);
    if (!this.res.writableEnded) {
      this.res.end();
    }
    this.hooks.onClose(this);
  }

  private send(event: OverlayEvent, frame: string): boolean {
    if (this.closed || (this.lastWritten !== undefined && compareEventIds(event.id, this.lastWritten) <= 0)) {
      return false;
    }
    this.lastWritten = event.id;
    this.write(frame);
    return !this.closed;
  }

  private write(frame: string): void {
    this.res.write(frame);
    const unsent = this.res.writableLength;
    if (unsent > MAX_UNSENT_BYTES) {
      this.close();
      this.res.destroy();
      this.hooks.onDropped(unsent);
    }
  }
}
