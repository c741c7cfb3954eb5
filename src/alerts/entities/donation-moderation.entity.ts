import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from '../../database';
import type { ModerationStatus } from '../moderation/moderation';

/** What moderation made of one donation, when it changed anything (see `ModerationVerdict`). */
@Entity('donation_moderation')
export class DonationModerationEntity {
  @PrimaryColumn({ name: 'donation_id', type: 'varchar', length: 36 })
  donationId!: string;

  @Column({ name: 'streamer_id', type: 'varchar', length: 36 })
  streamerId!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: ModerationStatus;

  /** As shown (masked); for a held donation, as written. */
  @Column({ name: 'donor_name', type: 'text', nullable: true })
  donorName!: string | null;

  @Column({ type: 'text', nullable: true })
  message!: string | null;

  @Column({ name: 'created_at', type: 'bigint', transformer: bigintAsNumber })
  createdAt!: number;

  /** When the streamer approved or rejected it. */
  @Column({ name: 'decided_at', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  decidedAt!: number | null;

  /** When an approved donation was handed to the overlay and the bots; null until then. */
  @Column({ name: 'released_at', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  releasedAt!: number | null;
}
