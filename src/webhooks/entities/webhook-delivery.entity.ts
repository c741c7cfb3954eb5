import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from '../../database';

/** A Standard Webhooks delivery id already processed; kept a day, so a replayed delivery is recognised. */
@Entity('webhook_deliveries')
export class WebhookDeliveryEntity {
  @PrimaryColumn({ name: 'delivery_id', type: 'varchar', length: 255 })
  deliveryId!: string;

  @Column({ name: 'streamer_id', type: 'varchar', length: 36 })
  streamerId!: string;

  @Column({ name: 'received_at', type: 'bigint', transformer: bigintAsNumber })
  receivedAt!: number;
}
