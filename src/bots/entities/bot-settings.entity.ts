import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from '../../database';

/** A streamer's chat bot choices; no row means the defaults (on, the default template, no thanks for test alerts). */
@Entity('bot_settings')
export class BotSettingsEntity {
  @PrimaryColumn({ name: 'streamer_id', type: 'varchar', length: 36 })
  streamerId!: string;

  @Column({ type: 'boolean', default: true })
  enabled!: boolean;

  /** null: the default template. */
  @Column({ type: 'varchar', length: 500, nullable: true })
  template!: string | null;

  @Column({ name: 'thank_test_alerts', type: 'boolean', default: false })
  thankTestAlerts!: boolean;

  @Column({ name: 'updated_at', type: 'bigint', transformer: bigintAsNumber })
  updatedAt!: number;
}
