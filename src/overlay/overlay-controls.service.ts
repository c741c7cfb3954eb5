import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../../libs/clock';
import { AlertSettingsService, alertViewOf, isShown, ModerationService } from '../alerts';
import { DonationsRepository } from '../donations';
import { OverlayControlEntity } from './entities';
import type { OverlayControlAction } from './overlay-event';
import { OverlayEventLog } from './overlay-event-log';
import { isUuid } from '../common';

/**
 * The dashboard's overlay controls. Each is an event on the streamer's overlay log (so every open page on every
 * instance gets it, in order, with an id), and pause is also kept in the database, so a page that connects
 * while paused starts paused.
 */
@Injectable()
export class OverlayControls {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly log: OverlayEventLog,
    private readonly donations: DonationsRepository,
    private readonly alertSettings: AlertSettingsService,
    private readonly moderation: ModerationService,
    private readonly clock: Clock,
  ) {}

  async isPaused(streamerId: string): Promise<boolean> {
    const row = await this.dataSource.getRepository(OverlayControlEntity).findOneBy({ streamerId });
    return row?.paused ?? false;
  }

  async control(streamerId: string, action: OverlayControlAction): Promise<{ action: OverlayControlAction }> {
    if (action !== 'skip') {
      await this.dataSource
        .getRepository(OverlayControlEntity)
        .upsert({ streamerId, paused: action === 'pause', updatedAt: this.clock.now() }, ['streamerId']);
    }
    await this.log.append(streamerId, { type: 'control', data: { action } });
    return { action };
  }

  /**
   * Plays a stored donation again, as the alert it is now (the current settings, the moderation verdict it got,
   * whatever the minimum): an event of its own, so nothing is stored and no bot thanks it again.
   */
  async replay(streamerId: string, donationId: string): Promise<{ donationId: string }> {
    const [donation] = isUuid(donationId)
      ? await this.donations.findOfStreamer(streamerId, [donationId])
      : [];
    if (!donation) {
      throw new NotFoundException(`No donation ${donationId.slice(0, 64)}`);
    }
    const settings = await this.alertSettings.get(streamerId);
    const verdict = await this.moderation.verdictFor(donation, settings.moderation);
    if (!isShown(verdict.status)) {
      throw new ConflictException(`Donation ${donationId} is ${verdict.status}: it is not shown on stream`);
    }
    const shown = { ...donation, donorName: verdict.donorName, message: verdict.message };
    const view = alertViewOf(settings, { ...shown, test: true })!;
    await this.log.append(streamerId, {
      type: 'replay',
      data: {
        donationId: donation.id,
        donorName: shown.donorName,
        amount: donation.amount,
        currency: donation.currency,
        message: shown.message,
        createdAt: donation.createdAt,
        receivedAt: donation.receivedAt,
        view,
        replayedAt: this.clock.now(),
      },
    });
    return { donationId: donation.id };
  }
}
