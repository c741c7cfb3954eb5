import type { AlertPresentation, AlertView } from '../alerts';

/** Alerts the overlay page plays. */
export type AlertEventType = 'donation' | 'test';
/**
 * `chatter` and `chatter-left` change the avatar wall; the alert page ignores them. `settings`: the streamer saved
 * the alert settings; the alert page draws the next alerts with them.
 */
export type OverlayEventType =
  AlertEventType | 'chatter' | 'chatter-left' | 'settings' | 'replay' | 'control';

/**
 * `skip`: end the alert on screen now; `pause`: play nothing (the alert on screen goes back to the head of the
 * queue) until `resume`. A stream opens with `pause` when the queue is paused.
 */
export const OVERLAY_CONTROL_ACTIONS = ['skip', 'pause', 'resume'] as const;
export type OverlayControlAction = (typeof OVERLAY_CONTROL_ACTIONS)[number];

export interface OverlayControlData {
  action: OverlayControlAction;
}

/** A stored donation played again from the history: not a new donation (nothing stored, no thank-you). */
export interface ReplayAlertData extends DonationAlertData {
  replayedAt: number;
}

/** What the overlay page gets for a donation or a test alert. */
export interface DonationAlertData {
  donationId: string;
  /** null: the page shows «Аноним». */
  donorName: string | null;
  amount: string;
  currency: string;
  message: string | null;
  createdAt: number;
  /** When this service stored it, epoch ms: the start of the delivery latency. */
  receivedAt: number;
  /** How it plays: the filled texts, the tier, its media and durations (decided when it was put on the log). */
  view: AlertView;
}

/** A viewer on the avatar wall, as the avatars page draws them. */
export interface ChatterData {
  /** The viewer's Twitch user id: the key of their tile. */
  userId: string;
  login: string;
  displayName: string;
  /** Helix `profile_image_url`; null while unknown (the lookup failed, or Twitch has none): the page draws initials. */
  avatarUrl: string | null;
  /** Their latest chat line that this event knows of, epoch ms (server clock). */
  lastSeenAt: number;
}

/** `idle`: silent for AVATARS_IDLE_MS; `replaced`: pushed off a full wall by a more recent chatter. */
export type ChatterLeftReason = 'idle' | 'replaced';

export interface ChatterLeftData {
  userId: string;
  reason: ChatterLeftReason;
}

export type NewOverlayEvent =
  | { type: AlertEventType; data: DonationAlertData }
  | { type: 'settings'; data: AlertPresentation }
  | { type: 'chatter'; data: ChatterData }
  | { type: 'chatter-left'; data: ChatterLeftData }
  | { type: 'replay'; data: ReplayAlertData }
  | { type: 'control'; data: OverlayControlData };

export type OverlayEvent = NewOverlayEvent & {
  /** Global per streamer and ordered: what the page sends back as `Last-Event-ID`. */
  id: string;
};

export function isAlertEvent(
  event: NewOverlayEvent,
): event is { type: AlertEventType; data: DonationAlertData } {
  return event.type === 'donation' || event.type === 'test';
}

export type OverlayListener = (event: OverlayEvent) => void;

/** Orders ids of both logs: Redis Stream ids (`<ms>-<seq>`) and the in-memory ones (`<boot>-<n>`, once `<n>`). */
export function compareEventIds(a: string, b: string): number {
  const [x, y] = [a.split('-'), b.split('-')];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const order = compareDigits(x[i] ?? '0', y[i] ?? '0');
    if (order !== 0) {
      return order;
    }
  }
  return 0;
}

/** Compares unsigned integers written in decimal, of any length, without parsing them (runs per stream and event). */
function compareDigits(p: string, q: string): number {
  const [m, n] = [p.replace(/^0+(?=\d)/, ''), q.replace(/^0+(?=\d)/, '')];
  if (m.length !== n.length) {
    return m.length < n.length ? -1 : 1;
  }
  return m < n ? -1 : m > n ? 1 : 0;
}

export function isEventId(value: string): boolean {
  return /^\d{1,20}(-\d{1,20})?$/.test(value);
}
