import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from '../../database';

/**
 * The highest DonationAlerts donation id the poller has seen for a streamer. Only moves forward, and only for
 * a writer whose fencing token is at least the stored one.
 */
@Entity('donation_cursors')
export class DonationCursorEntity {
  @PrimaryColumn({ name: 'streamer_id', type: 'varchar', length: 36 })
  streamerId!: string;

  @Column({ name: 'last_donation_id', type: 'bigint', transformer: bigintAsNumber })
  lastDonationId!: number;

  @Column({ name: 'fencing_token', type: 'bigint', transformer: bigintAsNumber })
  fencingToken!: number;

  @Column({ name: 'updated_at', type: 'bigint', transformer: bigintAsNumber })
  updatedAt!: number;
}
