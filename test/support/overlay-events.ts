import type { NewOverlayEvent } from '../../src/overlay/overlay-event';

/** An overlay event for the event logs' own specs: `amount` doubles as the donation id. */
export function sampleOverlayEvent(amount: string): NewOverlayEvent {
  return {
    type: 'donation',
    data: {
      donationId: amount,
      donorName: null,
      amount,
      currency: 'RUB',
      message: null,
      createdAt: 0,
      receivedAt: 0,
    },
  };
}
