import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from '../../database';

/**
 * One row per donation a bot thanked (or is about to): inserted before the line is sent, so whichever instance
 * inserts it first is the only one that may send it. In the database rather than Redis: a Redis restart must
 * not make a bot thank the same donation again.
 */
@Entity('bot_thank_yous')
@Index('ix_bot_thank_yous_streamer_claimed', ['streamerId', 'claimedAt'])
export class BotThankYouEntity {
  @PrimaryColumn({ name: 'donation_id', type: 'varchar', length: 36 })
  donationId!: string;

  @Column({ name: 'streamer_id', type: 'varchar', length: 36 })
  streamerId!: string;

  /** The lease epoch of the bot that claimed it: only that bot releases it (when its line did not go out). */
  @Column({ type: 'bigint', transformer: bigintAsNumber })
  epoch!: number;

  @Column({ name: 'claimed_at', type: 'bigint', transformer: bigintAsNumber })
  claimedAt!: number;
}
