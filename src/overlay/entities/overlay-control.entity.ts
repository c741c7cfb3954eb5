import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from '../../database';

/** A streamer's overlay queue state; no row: playing. */
@Entity('overlay_controls')
export class OverlayControlEntity {
  @PrimaryColumn({ name: 'streamer_id', type: 'varchar', length: 36 })
  streamerId!: string;

  @Column({ type: 'boolean' })
  paused!: boolean;

  @Column({ name: 'updated_at', type: 'bigint', transformer: bigintAsNumber })
  updatedAt!: number;
}
