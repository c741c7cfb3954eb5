import { Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { InjectConfig, type OverlayConfig } from '../../config';
import {
  AlertsEvents,
  AlertSettingsService,
  alertViewOf,
  DEFAULT_ALERT_SETTINGS,
  isShown,
  ModerationService,
  type AlertSettings,
} from '../alerts';
import { KeyedSerial } from '../common';
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
  /** One streamer's donations reach the log in the order they were stored, though each reads settings. */
  private readonly perStreamer = new KeyedSerial();

  constructor(
    private readonly log: OverlayEventLog,
    private readonly announced: AnnouncedDonations,
    private readonly alertSettings: AlertSettingsService,
    private readonly moderation: ModerationService,
    @InjectConfig('overlay') overlay: OverlayConfig,
  ) {
    this.dedupTtlMs = overlay.historyMaxAgeMs;
  }

  @OnEvent(DonationEvents.received)
  onDonation(donation: Donation): Promise<void> {
    return this.perStreamer.run(donation.streamerId, () => this.append(donation, donation.id));
  }

  /** A held donation the streamer approved: it was claimed when it was held, so it is claimed anew. */
  @OnEvent(AlertsEvents.approved)
  onApproved(donation: Donation): Promise<void> {
    return this.perStreamer.run(donation.streamerId, () => this.append(donation, `approved:${donation.id}`));
  }

  private async append(donation: Donation, claim: string): Promise<void> {
    try {
      // Claimed first: a repeated announcement stops here, before reading settings.
      if (!(await this.announced.claim(claim, this.dedupTtlMs))) {
        return;
      }
      const settings = await this.settingsOf(donation.streamerId);
      const verdict = await this.moderation.verdictFor(donation, settings.moderation);
      if (!isShown(verdict.status)) {
        return;
      }
      const test = donation.provider === 'test';
      const view = alertViewOf(settings, {
        ...donation,
        donorName: verdict.donorName,
        message: verdict.message,
        test,
      });
      if (!view) {
        return;
      }
      await this.log.append(donation.streamerId, {
        type: test ? 'test' : 'donation',
        data: {
          donationId: donation.id,
          donorName: verdict.donorName,
          amount: donation.amount,
          currency: donation.currency,
          message: verdict.message,
          createdAt: donation.createdAt,
          receivedAt: donation.receivedAt,
          view,
        },
      });
    } catch (error) {
      this.logger.error(`Donation ${donation.id} did not reach the overlay: ${(error as Error).message}`);
    }
  }

  /** The streamer's settings; the defaults when they cannot be read, so the donation still shows. */
  private async settingsOf(streamerId: string): Promise<AlertSettings> {
    try {
      return await this.alertSettings.get(streamerId);
    } catch (error) {
      this.logger.warn(
        `Alert settings of ${streamerId} unreadable, showing the plain alert: ${(error as Error).message}`,
      );
      return DEFAULT_ALERT_SETTINGS;
    }
  }
}
