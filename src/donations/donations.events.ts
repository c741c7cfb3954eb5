export const DonationEvents = {
  /**
   * In-process (EventEmitter2) and on the cross-instance bus, once per newly stored donation, oldest first.
   * Payload: the stored `Donation`.
   */
  received: 'donation.received',
} as const;

export const PushEvents = {
  /**
   * In-process: a push channel of a streamer (re)connected after being down. It has no history, so donations made
   * meanwhile are found by one poll soon. Payload: `PushResumed`.
   */
  resumed: 'push.resumed',
} as const;

export interface PushResumed {
  streamerId: string;
  source: 'webhook' | 'realtime';
}
