import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber, decimalAsString } from '../../database';

/** A donation goal: what the goal bar fills towards. A streamer keeps past goals; at most one is active. */
@Entity('goals')
export class GoalEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'streamer_id', type: 'varchar', length: 36 })
  streamerId!: string;

  @Column({ type: 'varchar', length: 100 })
  title!: string;

  @Column({ type: 'decimal', precision: 12, scale: 2, transformer: decimalAsString })
  target!: string;

  @Column({ type: 'varchar', length: 8 })
  currency!: string;

  /** Donations made (created_at) from this moment count towards it. */
  @Column({ name: 'starts_at', type: 'bigint', transformer: bigintAsNumber })
  startsAt!: number;

  @Column({ type: 'boolean' })
  active!: boolean;

  @Column({ name: 'created_at', type: 'bigint', transformer: bigintAsNumber })
  createdAt!: number;
}
