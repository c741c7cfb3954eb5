export type OverlayEventType = 'donation' | 'test';

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
}

export interface NewOverlayEvent {
  type: OverlayEventType;
  data: DonationAlertData;
}

export interface OverlayEvent extends NewOverlayEvent {
  /** Global per streamer and ordered: what the page sends back as `Last-Event-ID`. */
  id: string;
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
