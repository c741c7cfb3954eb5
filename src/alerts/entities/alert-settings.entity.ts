import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from '../../database';

/** A streamer's alert box settings as JSON (see `AlertSettings`); no row means the defaults. */
@Entity('alert_settings')
export class AlertSettingsEntity {
  @PrimaryColumn({ name: 'streamer_id', type: 'varchar', length: 36 })
  streamerId!: string;

  /** The whole `AlertSettings`, validated before it is written; read back over the defaults. */
  @Column({ type: 'text' })
  settings!: string;

  @Column({ name: 'updated_at', type: 'bigint', transformer: bigintAsNumber })
  updatedAt!: number;
}
