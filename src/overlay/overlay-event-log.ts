import type { NewOverlayEvent, OverlayEvent, OverlayListener } from './overlay-event';

export type Unsubscribe = () => void;

/**
 * Each streamer's overlay events: a bounded history for `Last-Event-ID` replay and live delivery to this
 * instance's subscribers, whichever instance appended the event.
 */
export abstract class OverlayEventLog {
  /** Stores the event and returns it with its global id. */
  abstract append(streamerId: string, event: NewOverlayEvent): Promise<OverlayEvent>;
  /** The events after `lastId`, oldest first, or `'reset'` when `lastId` is no longer (or never was) in the history. */
  abstract since(streamerId: string, lastId: string): Promise<OverlayEvent[] | 'reset'>;
  /** Live events of one streamer from now on; resolves once none appended later can be missed. */
  abstract subscribe(streamerId: string, listener: OverlayListener): Promise<Unsubscribe>;
  /** Local listeners and watched streamers, so tests and metrics can see that closed streams free them. */
  abstract stats(): { listeners: number; streamers: number };
}
