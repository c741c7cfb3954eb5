import { alertViewOf, DEFAULT_ALERT_SETTINGS, type AlertView } from '../../src/alerts';
import type { NewOverlayEvent } from '../../src/overlay/overlay-event';

/** The plain alert of a donation under the default settings, for events a spec appends itself. */
export function defaultView(amount: string, message: string | null = null): AlertView {
  return alertViewOf(DEFAULT_ALERT_SETTINGS, {
    donorName: null,
    amount,
    currency: 'RUB',
    message,
    test: false,
  })!;
}

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
      view: defaultView(amount),
    },
  };
}
