import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from '../../database';
import type { MediaKind } from '../media/media-type';

/**
 * An image or sound a streamer uploaded for alert tiers. The bytes live in the same row (`data`: `blob` on
 * SQLite, `bytea` on PostgreSQL, see the AlertMedia migration) so every instance can serve them, but the column
 * is not mapped here: TypeORM has no one column type that both drivers accept for a Buffer (better-sqlite3
 * maps Buffer to `blob`, PostgreSQL maps it to nothing), and no query but the one serving the file should ever
 * load the bytes. `AlertMediaRepository` writes and reads them with its own SQL.
 */
@Entity('alert_media')
export class AlertMediaEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'streamer_id', type: 'varchar', length: 36 })
  streamerId!: string;

  @Column({ type: 'varchar', length: 8 })
  kind!: MediaKind;

  /** As sniffed from the bytes, never as the uploader said. */
  @Column({ name: 'mime_type', type: 'varchar', length: 32 })
  mimeType!: string;

  @Column({ type: 'integer' })
  size!: number;

  /** Hex SHA-256 of the bytes: the ETag. */
  @Column({ type: 'varchar', length: 64 })
  sha256!: string;

  /** The uploaded file's name, cleaned up for display (`mediaNameOf`). */
  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: bigintAsNumber })
  createdAt!: number;
}
