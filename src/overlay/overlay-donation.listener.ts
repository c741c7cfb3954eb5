import { Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { InjectConfig, type OverlayConfig } from '../../config';
import type { Donation } from '../donations';
import { DonationEvents } from '../donations';
import { AnnouncedDonations } from './announced-donations';
import { OverlayEventLog } from './overlay-event-log';

/**
 * Puts every stored donation on its streamer's overlay log. It listens to the in-process event, which fires
 * only on the instance that stored the donation, so each donation is appended once across the cluster.
 */
@Injectable()
export class OverlayDonationListener {
  private readonly logger = new Logger(OverlayDonationListener.name);
  private readonly dedupTtlMs: number;

  constructor(
    private readonly log: OverlayEventLog,
    private readonly announced: AnnouncedDonations,
    @InjectConfig('overlay') overlay: OverlayConfig,
  ) {
    this.dedupTtlMs = overlay.historyMaxAgeMs;
  }

  @OnEvent(DonationEvents.received)
  async onDonation(donation: Donation): Promise<void> {
    try {
      if (!(await this.announced.claim(donation.id, this.dedupTtlMs))) {
        return;
      }
      await this.log.append(donation.streamerId, {
        type: donation.provider === 'test' ? 'test' : 'donation',
        data: {
          donationId: donation.id,
          donorName: donation.donorName,
          amount: donation.amount,
          currency: donation.currency,
          message: donation.message,
          createdAt: donation.createdAt,
          receivedAt: donation.receivedAt,
        },
      });
    } catch (error) {
      this.logger.error(`Donation ${donation.id} did not reach the overlay: ${(error as Error).message}`);
    }
  }
}
