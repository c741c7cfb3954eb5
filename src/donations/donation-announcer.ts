import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { Clock } from '../../libs/clock';
import { EventBus } from '../../libs/event-bus';
import type { Donation } from './donation';
import { DonationEvents } from './donations.events';
import { DonationsRepository } from './donations.repository';

/** Donations stored longer ago than this without an announcement are announced again. */
export const ANNOUNCE_GRACE_MS = 10_000;

/**
 * Announces stored donations: `donation.received` in-process and on the cross-instance bus, then marks them
 * announced. If the process dies in between, `announcePending` (run by the leader) announces them again, so a
 * listener may, rarely, see a donation twice and must de-duplicate by its id; it never misses one.
 */
@Injectable()
export class DonationAnnouncer {
  private readonly logger = new Logger(DonationAnnouncer.name);

  constructor(
    private readonly donations: DonationsRepository,
    private readonly events: EventEmitter2,
    private readonly bus: EventBus,
    private readonly clock: Clock,
  ) {}

  async announce(donations: Donation[]): Promise<void> {
    for (const donation of donations) {
      this.events.emit(DonationEvents.received, donation);
      await this.bus.publish(DonationEvents.received, donation);
    }
    await this.donations.markAnnounced(
      donations.map((donation) => donation.id),
      this.clock.now(),
    );
  }

  /** Announces donations stored more than ANNOUNCE_GRACE_MS ago that never were; returns how many. */
  async announcePending(limit = 500): Promise<number> {
    const pending = await this.donations.findUnannounced(this.clock.now() - ANNOUNCE_GRACE_MS, limit);
    if (pending.length === 0) {
      return 0;
    }
    this.logger.warn(`Announcing ${pending.length} donation(s) stored without an announcement`);
    await this.announce(pending);
    return pending.length;
  }
}
