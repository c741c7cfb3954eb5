import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from '../../database';

/** A streamer's webhook: where deliveries come from, the secret they are signed with, and how they fared. */
@Entity('webhook_registrations')
export class WebhookRegistrationEntity {
  @PrimaryColumn({ name: 'streamer_id', type: 'varchar', length: 36 })
  streamerId!: string;

  @Column({ type: 'varchar', length: 2048 })
  url!: string;

  /** TokenCipher ciphertext, context 'webhook:secret'. */
  @Column({ type: 'text' })
  secret!: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: bigintAsNumber })
  createdAt!: number;

  @Column({ name: 'rotated_at', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  rotatedAt!: number | null;

  @Column({ name: 'last_delivery_at', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  lastDeliveryAt!: number | null;

  @Column({ type: 'bigint', default: 0, transformer: bigintAsNumber })
  deliveries!: number;

  /** JSON map of rejection reason → count. */
  @Column({ type: 'varchar', length: 2048, default: '{}' })
  rejections!: string;
}
