import type { IncomingDonation } from '../common';
import { OutboundHttpError } from '../common';

/** A donation in DonationAlerts' own shape (GET /api/v1/alerts/donations). */
export interface DonationAlertsDonation {
  id: number;
  name: string;
  /** null when the donor is anonymous. */
  username: string | null;
  message_type: string;
  message: string | null;
  amount: number | string;
  currency: string;
  is_shown: number | boolean;
  /** "YYYY-MM-DD HH:MM:SS", no zone: DonationAlerts reports UTC. */
  created_at: string;
  shown_at: string | null;
}

export class MalformedResponseError extends OutboundHttpError {
  constructor(detail: string) {
    super(`DonationAlerts answered with an unexpected body: ${detail}`, 200, undefined, null, true);
    this.name = 'MalformedResponseError';
  }
}

const CREATED_AT = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/;

/** DonationAlerts' "YYYY-MM-DD HH:MM:SS" carries no zone; it is UTC. */
export function parseDonationAlertsTime(value: string): number {
  const match = CREATED_AT.exec(value);
  if (!match) {
    throw new MalformedResponseError(`created_at "${value}"`);
  }
  const [, y, mo, d, h, mi, s] = match.map(Number);
  return Date.UTC(y, mo - 1, d, h, mi, s);
}

/** Amounts stay exact: a decimal string with two places, never a float sum. */
export function normaliseAmount(value: number | string): string {
  const text = String(value).trim();
  if (!/^-?\d+(\.\d+)?$/.test(text)) {
    throw new MalformedResponseError(`amount "${text}"`);
  }
  const [whole, fraction = ''] = text.split('.');
  const cents = fraction.padEnd(2, '0');
  if (cents.length > 2 && /[1-9]/.test(cents.slice(2))) {
    throw new MalformedResponseError(`amount "${text}" has more than two decimals`);
  }
  return `${whole}.${cents.slice(0, 2)}`;
}

export function toIncomingDonation(donation: DonationAlertsDonation): IncomingDonation {
  return {
    externalId: String(donation.id),
    donorName: donation.username?.trim() ? donation.username : null,
    amount: normaliseAmount(donation.amount),
    currency: donation.currency,
    message: donation.message ?? null,
    createdAt: parseDonationAlertsTime(donation.created_at),
  };
}
