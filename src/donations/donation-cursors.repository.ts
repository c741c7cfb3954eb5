import type { Transaction } from '../../libs/database';
import type { DonationCursorEntity } from './entities/donation-cursor.entity';

export abstract class DonationCursorsRepository {
  abstract find(streamerId: string): Promise<DonationCursorEntity | null>;
  /** Forgets the cursor: the next poll starts again at the newest donation without replaying history. */
  abstract remove(streamerId: string): Promise<void>;
  /**
   * Moves the streamer's cursor forward to `lastDonationId` (never backwards) for a writer whose `fencingToken`
   * is at least the stored one, inside `tx` when given. Returns false, changing nothing, for a stale lock holder.
   */
  abstract advance(
    streamerId: string,
    lastDonationId: number,
    fencingToken: number,
    tx?: Transaction,
  ): Promise<boolean>;
}
