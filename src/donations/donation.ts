import type { IncomingDonation } from '../common';
import type { DonationChannel, DonationProvider } from './entities/donation.entity';

export type { IncomingDonation };

/** A stored donation: the payload of `donation.received`. */
export interface Donation extends IncomingDonation {
  id: string;
  streamerId: string;
  provider: DonationProvider;
  channel: DonationChannel;
  receivedAt: number;
}

/** Oldest first: by donation time, then by the provider's id (numerically when both are numbers). */
export function oldestFirst(a: IncomingDonation, b: IncomingDonation): number {
  if (a.createdAt !== b.createdAt) {
    return a.createdAt - b.createdAt;
  }
  const [x, y] = [Number(a.externalId), Number(b.externalId)];
  return Number.isSafeInteger(x) && Number.isSafeInteger(y)
    ? x - y
    : a.externalId.localeCompare(b.externalId);
}
