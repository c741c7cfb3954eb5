import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintAsNumber, decimalAsString } from '../../database';

export const DONATION_PROVIDERS = ['donationalerts', 'test'] as const;
export type DonationProvider = (typeof DONATION_PROVIDERS)[number];

/** How a donation reached us. Recorded for diagnostics; not part of its identity. */
export const DONATION_CHANNELS = ['poll', 'realtime', 'webhook', 'test'] as const;
export type DonationChannel = (typeof DONATION_CHANNELS)[number];

@Entity('donations')
@Index('uq_donations_streamer_provider_external', ['streamerId', 'provider', 'externalId'], { unique: true })
@Index('ix_donations_streamer_created', ['streamerId', 'createdAt'])
@Index('ix_donations_unannounced', ['announcedAt', 'receivedAt'])
@Index('ix_donations_streamer_received', ['streamerId', 'receivedAt', 'id'])
export class DonationEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'streamer_id', type: 'varchar', length: 36 })
  streamerId!: string;

  @Column({ type: 'varchar', length: 32 })
  provider!: DonationProvider;

  @Column({ name: 'external_id', type: 'varchar', length: 64 })
  externalId!: string;

  @Column({ type: 'varchar', length: 16 })
  channel!: DonationChannel;

  /** null for an anonymous donor. */
  @Column({ name: 'donor_name', type: 'varchar', length: 255, nullable: true })
  donorName!: string | null;

  @Column({ type: 'decimal', precision: 12, scale: 2, transformer: decimalAsString })
  amount!: string;

  @Column({ type: 'varchar', length: 8 })
  currency!: string;

  @Column({ type: 'text', nullable: true })
  message!: string | null;

  /** When the donor donated (epoch ms, as reported by the provider). */
  @Column({ name: 'created_at', type: 'bigint', transformer: bigintAsNumber })
  createdAt!: number;

  /** When this service stored it (epoch ms). */
  @Column({ name: 'received_at', type: 'bigint', transformer: bigintAsNumber })
  receivedAt!: number;

  /** When `donation.received` went out for it; null until then (see DonationAnnouncer). */
  @Column({ name: 'announced_at', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  announcedAt!: number | null;
}
