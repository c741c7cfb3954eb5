import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from '../../database';

export const STREAMER_STATUSES = ['active', 'needs_reauth', 'disabled'] as const;
export type StreamerStatus = (typeof STREAMER_STATUSES)[number];

@Entity('streamers')
@Index('uq_streamers_overlay_token', ['overlayToken'], { unique: true })
export class StreamerEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'twitch_id', type: 'varchar', length: 32, unique: true })
  twitchId!: string;

  @Column({ type: 'varchar', length: 64 })
  login!: string;

  @Column({ name: 'display_name', type: 'varchar', length: 128 })
  displayName!: string;

  @Column({ name: 'avatar_url', type: 'varchar', length: 512, nullable: true })
  avatarUrl!: string | null;

  /** The secret in the streamer's overlay URL (/overlay/<token>): 192 random bits, URL-safe, rotatable. */
  @Column({ name: 'overlay_token', type: 'varchar', length: 64, nullable: true })
  overlayToken!: string | null;

  @Column({ type: 'varchar', length: 16, default: 'active' })
  status!: StreamerStatus;

  @Column({ name: 'created_at', type: 'bigint', transformer: bigintAsNumber })
  createdAt!: number;

  @Column({ name: 'updated_at', type: 'bigint', transformer: bigintAsNumber })
  updatedAt!: number;
}
