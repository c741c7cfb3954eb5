import { ConflictException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { Clock } from '../../../libs/clock';
import { EventBus } from '../../../libs/event-bus';
import { DonationsRepository, type Donation } from '../../donations';
import type { ModerationSettings } from '../alert-settings';
import { AlertSettingsService } from '../alert-settings.service';
import { AlertsEvents } from '../alerts.events';
import { moderate, shownMessage, type ModerationVerdict } from './moderation';
import { ModerationRepository, type Decision, type StoredVerdict } from './moderation.repository';
import { isUuid } from '../../common';

/** Approved donations not released this long after the approval are released again (the releaser died). */
export const RELEASE_GRACE_MS = 10_000;
export const MAX_HELD_LISTED = 200;

/** A held donation as the dashboard's «На проверке» list shows it: as the donor wrote it. */
export interface HeldDonation {
  donationId: string;
  donorName: string | null;
  amount: string;
  currency: string;
  message: string | null;
  createdAt: number;
  heldAt: number;
}

/**
 * One moderation verdict per donation for the whole cluster: the first consumer (overlay, bot, TTS) to ask
 * decides it from the streamer's settings and stores it when it changes anything; every later one, on any
 * instance, reads the same verdict, so a settings change in between cannot show on stream what the bot hides.
 */
@Injectable()
export class ModerationService {
  private readonly logger = new Logger(ModerationService.name);

  constructor(
    private readonly verdicts: ModerationRepository,
    private readonly donations: DonationsRepository,
    private readonly alertSettings: AlertSettingsService,
    private readonly events: EventEmitter2,
    private readonly bus: EventBus,
    private readonly clock: Clock,
  ) {}

  /** `settings`: the streamer's moderation settings when the caller has just read them, else they are read. */
  async verdictFor(donation: Donation, known?: ModerationSettings): Promise<ModerationVerdict> {
    const stored = await this.verdicts.find(donation.id);
    const settings = known ?? (await this.alertSettings.get(donation.streamerId)).moderation;
    if (stored) {
      return this.asShown(stored, donation, settings);
    }
    const verdict = moderate(settings, donation);
    if (verdict.status === 'clean') {
      return verdict;
    }
    const kept = await this.verdicts.keepFirst({
      ...verdict,
      donationId: donation.id,
      streamerId: donation.streamerId,
      createdAt: this.clock.now(),
      decidedAt: null,
    });
    if (kept.status === 'held' && verdict.status === 'held') {
      this.logger.log(`Donation ${donation.id} of streamer ${donation.streamerId} held for approval`);
    }
    return this.asShown(kept, donation, settings);
  }

  async held(streamerId: string): Promise<HeldDonation[]> {
    const held = await this.verdicts.held(streamerId, MAX_HELD_LISTED);
    const donations = new Map(
      (
        await this.donations.findOfStreamer(
          streamerId,
          held.map(({ donationId }) => donationId),
        )
      ).map((donation) => [donation.id, donation]),
    );
    return held.flatMap(({ donationId, createdAt }) => {
      const donation = donations.get(donationId);
      return donation
        ? [
            {
              donationId,
              donorName: donation.donorName,
              amount: donation.amount,
              currency: donation.currency,
              message: donation.message,
              createdAt: donation.createdAt,
              heldAt: createdAt,
            },
          ]
        : [];
    });
  }

  /** Approves a held donation: it plays on the overlay and the bot thanks it, once, wherever it was approved. */
  async approve(streamerId: string, donationId: string): Promise<void> {
    const donation = await this.decide(streamerId, donationId, 'approved');
    await this.release(donation);
  }

  /** Rejects a held donation: it is never shown, spoken or thanked for. */
  async reject(streamerId: string, donationId: string): Promise<void> {
    await this.decide(streamerId, donationId, 'rejected');
  }

  /** Releases approvals whose releasing instance died before it finished; returns how many. */
  async releasePending(limit = 100): Promise<number> {
    const pending = await this.verdicts.unreleased(this.clock.now() - RELEASE_GRACE_MS, limit);
    let released = 0;
    for (const verdict of pending) {
      const [donation] = await this.donations.findOfStreamer(verdict.streamerId, [verdict.donationId]);
      if (donation) {
        await this.release(donation);
        released += 1;
      }
    }
    if (released > 0) {
      this.logger.warn(`Released ${released} approved donation(s) again`);
    }
    return released;
  }

  private async decide(streamerId: string, donationId: string, decision: Decision): Promise<Donation> {
    const [donation] = isUuid(donationId)
      ? await this.donations.findOfStreamer(streamerId, [donationId])
      : [];
    const verdict = donation && (await this.verdicts.find(donationId));
    if (!donation || !verdict || verdict.streamerId !== streamerId) {
      throw new NotFoundException(`No held donation ${donationId.slice(0, 64)}`);
    }
    if (!(await this.verdicts.decide(streamerId, donationId, decision, this.clock.now()))) {
      const now = (await this.verdicts.find(donationId))?.status ?? verdict.status;
      throw new ConflictException(`Donation ${donationId} is not held: it was ${now} already`);
    }
    this.logger.log(`Donation ${donationId} of streamer ${streamerId} ${decision}`);
    return donation;
  }

  private async release(donation: Donation): Promise<void> {
    this.events.emit(AlertsEvents.approved, donation);
    await this.bus.publish(AlertsEvents.approved, donation);
    await this.verdicts.markReleased(donation.id, this.clock.now());
  }

  /** Held and rejected donations keep the donor's text here: callers must not show them (`isShown`). */
  private asShown(
    stored: StoredVerdict,
    donation: Donation,
    settings: ModerationSettings,
  ): ModerationVerdict {
    if (stored.status === 'approved' || stored.status === 'held' || stored.status === 'rejected') {
      return {
        status: stored.status,
        donorName: donation.donorName,
        message: shownMessage(donation.message, settings),
      };
    }
    return { status: stored.status, donorName: stored.donorName, message: stored.message };
  }
}
