/**
 * The shared shape every donation source maps to (DonationAlerts' REST list and push, webhooks, test alerts)
 * and the one pipeline takes in.
 */
export interface IncomingDonation {
  /** The provider's id for it; with the streamer and provider, its identity. */
  externalId: string;
  /** null for an anonymous donor. */
  donorName: string | null;
  /** Decimal string with two places. */
  amount: string;
  currency: string;
  message: string | null;
  /** When the donor donated, epoch ms. */
  createdAt: number;
}
