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

/** Orders ids of both logs: Redis Stream ids (`<ms>-<seq>`) and the in-memory counters (`<n>`). */
export function compareEventIds(a: string, b: string): number {
  const [x, y] = [a.split('-').map(BigInt), b.split('-').map(BigInt)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const [p, q] = [x[i] ?? 0n, y[i] ?? 0n];
    if (p !== q) {
      return p < q ? -1 : 1;
    }
  }
  return 0;
}

export function isEventId(value: string): boolean {
  return /^\d{1,20}(-\d{1,20})?$/.test(value);
}
