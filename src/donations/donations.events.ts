export const DonationEvents = {
  /**
   * In-process (EventEmitter2) and on the cross-instance bus, once per newly stored donation, oldest first.
   * Payload: the stored `Donation`.
   */
  received: 'donation.received',
} as const;
