import { Clock } from '../../libs/clock';
import type { OverlayConfig } from '../../config';
import {
  compareEventIds,
  isEventId,
  type NewOverlayEvent,
  type OverlayEvent,
  type OverlayListener,
} from './overlay-event';
import { OverlayEventLog, type Unsubscribe } from './overlay-event-log';

interface StoredEvent {
  event: OverlayEvent;
  at: number;
}

/**
 * Single-instance mode: a ring per streamer and in-process delivery. Ids are `<boot time>-<n>`, n counting
 * each streamer's events since this process started, so ids keep increasing across restarts. A page that
 * last saw an id of an earlier boot missed exactly the events of this boot (the history of the earlier one
 * died with it, but so did its chance to deliver anything more): it gets all of them while the ring still
 * holds them all.
 */
export class MemoryOverlayEventLog extends OverlayEventLog {
  private readonly history = new Map<string, StoredEvent[]>();
  private readonly counters = new Map<string, number>();
  private readonly listeners = new Map<string, Set<OverlayListener>>();
  private readonly boot: number;

  constructor(
    private readonly config: OverlayConfig,
    private readonly clock: Clock,
  ) {
    super();
    this.boot = clock.now();
  }

  append(streamerId: string, input: NewOverlayEvent): Promise<OverlayEvent> {
    const n = (this.counters.get(streamerId) ?? 0) + 1;
    this.counters.set(streamerId, n);
    const event: OverlayEvent = { id: `${this.boot}-${n}`, ...input };
    const ring = this.trimmed(streamerId);
    ring.push({ event, at: this.clock.now() });
    if (ring.length > this.config.historySize) {
      ring.splice(0, ring.length - this.config.historySize);
    }
    this.history.set(streamerId, ring);
    for (const listener of this.listeners.get(streamerId) ?? []) {
      listener(event);
    }
    return Promise.resolve(event);
  }

  since(streamerId: string, lastId: string): Promise<OverlayEvent[] | 'reset'> {
    const ring = this.trimmed(streamerId);
    if (isEventId(lastId) && compareEventIds(lastId, `${this.boot}-0`) < 0) {
      const appended = this.counters.get(streamerId) ?? 0;
      const complete = ring.length === appended;
      return Promise.resolve(complete ? ring.map(({ event }) => event) : 'reset');
    }
    const index = ring.findIndex(({ event }) => event.id === lastId);
    return Promise.resolve(index < 0 ? 'reset' : ring.slice(index + 1).map(({ event }) => event));
  }

  subscribe(streamerId: string, listener: OverlayListener): Promise<Unsubscribe> {
    const set = this.listeners.get(streamerId) ?? new Set();
    set.add(listener);
    this.listeners.set(streamerId, set);
    return Promise.resolve(() => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(streamerId) === set) {
        this.listeners.delete(streamerId);
      }
    });
  }

  stats(): { listeners: number; streamers: number } {
    let listeners = 0;
    for (const set of this.listeners.values()) {
      listeners += set.size;
    }
    return { listeners, streamers: this.listeners.size };
  }

  private trimmed(streamerId: string): StoredEvent[] {
    const ring = this.history.get(streamerId) ?? [];
    const oldest = this.clock.now() - this.config.historyMaxAgeMs;
    const firstFresh = ring.findIndex(({ at }) => at >= oldest);
    return firstFresh < 0 ? [] : ring.slice(firstFresh);
  }
}
