import type { Response } from 'express';
import { SessionService } from '../../src/sessions';
import { DonationIngestor } from '../../src/donations/donation-ingestor';
import type { Donation, IncomingDonation } from '../../src/donations/donation';
import type { DonationAlertData } from '../../src/overlay/overlay-event';
import { OverlayEventLog } from '../../src/overlay/overlay-event-log';
import type { TestApp } from './app';
import type { SseOptions } from './sse-client';

let donationNumber = 0;

/** A distinct donation each call (id, donor, amount and message numbered alike), oldest first by creation. */
export function sampleDonation(overrides: Partial<IncomingDonation> = {}): IncomingDonation {
  donationNumber += 1;
  return {
    externalId: String(100_000 + donationNumber),
    donorName: `Donor ${donationNumber}`,
    amount: `${donationNumber}.00`,
    currency: 'RUB',
    message: `Message ${donationNumber}`,
    createdAt: 1_700_000_000_000 + donationNumber,
    ...overrides,
  };
}

/** Stores donations as a webhook delivery would, through the one pipeline, and returns the newly stored ones. */
export function ingestDonations(
  on: TestApp,
  streamerId: string,
  donations: IncomingDonation[],
): Promise<Donation[]> {
  return on.app
    .get(DonationIngestor)
    .ingest({ streamerId, provider: 'donationalerts', channel: 'webhook', donations });
}

/**
 * Like `ingestDonations`, and resolves once every newly stored donation is on the streamer's overlay log (the
 * overlay appends after the ingestion returns), so a page that connects next finds them in the history.
 */
export async function ingestOntoOverlay(
  on: TestApp,
  streamerId: string,
  donations: IncomingDonation[],
): Promise<Donation[]> {
  const appended = new Set<string>();
  let expected: Set<string> | undefined;
  let allAppended!: () => void;
  const done = new Promise<void>((resolve) => (allAppended = resolve));
  const check = (): void => {
    if (expected && [...expected].every((id) => appended.has(id))) {
      allAppended();
    }
  };
  const unsubscribe = await on.app.get(OverlayEventLog).subscribe(streamerId, (event) => {
    appended.add((event.data as Partial<DonationAlertData>).donationId ?? '');
    check();
  });
  try {
    const stored = await ingestDonations(on, streamerId, donations);
    expected = new Set(stored.map((donation) => donation.id));
    check();
    await done;
    return stored;
  } finally {
    unsubscribe();
  }
}

/** The `Cookie` header of a dashboard session for the streamer, as logging in would set it. */
export function sessionCookie(on: TestApp, streamerId: string): string {
  let cookie = '';
  const res = {
    append: (_name: string, value: string) => (cookie = value.split(';')[0]),
  } as unknown as Response;
  on.app.get(SessionService).start(res, streamerId);
  return cookie;
}

/** `openSse` options for the alert stream: it opens with the current alert settings (`settings`, no id). */
export const ALERT_STREAM: SseOptions = { snapshot: 'settings' };
