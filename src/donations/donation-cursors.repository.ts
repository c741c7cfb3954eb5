import type { EntityManager } from 'typeorm';
import type { DonationCursorEntity } from './entities/donation-cursor.entity';

export abstract class DonationCursorsRepository {
  abstract find(streamerId: string): Promise<DonationCursorEntity | null>;
  /**
   * Moves the streamer's cursor to `lastDonationId` if that is further than the stored id and `fencingToken`
   * is at least the stored token. Returns false (and changes nothing) for a stale lock holder or an old id.
   */
  abstract advance(
    streamerId: string,
    lastDonationId: number,
    fencingToken: number,
    manager?: EntityManager,
  ): Promise<boolean>;
}
