import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, type EntityManager } from 'typeorm';
import { dialectOf, inTransaction, positional, queryRows, type SqlDialect } from '../../../libs/database';
import { AlertMediaEntity } from '../entities';
import type { MediaKind } from './media-type';

/** An upload as listed: everything but the bytes. */
export type AlertMedia = Omit<AlertMediaEntity, 'streamerId'>;

export interface NewAlertMedia extends AlertMediaEntity {
  data: Buffer;
}

export abstract class AlertMediaRepository {
  /**
   * Stores the upload unless the streamer's uploads would then add up to more than `quotaBytes`; false when
   * refused (nothing stored). Two uploads of one streamer at the same time cannot both pass the check.
   */
  abstract insertWithinQuota(media: NewAlertMedia, quotaBytes: number): Promise<boolean>;
  /** The streamer's uploads, oldest first. */
  abstract list(streamerId: string): Promise<AlertMedia[]>;
  abstract find(streamerId: string, id: string): Promise<AlertMedia | null>;
  /** The bytes of one of the streamer's uploads, or null when it is gone. */
  abstract data(streamerId: string, id: string): Promise<Buffer | null>;
  /** False when the streamer has no such upload. */
  abstract delete(streamerId: string, id: string): Promise<boolean>;
  /** The kind of each of `ids` that names one of the streamer's uploads; other ids are left out. */
  abstract kindsOf(streamerId: string, ids: readonly string[]): Promise<Map<string, MediaKind>>;
}

/**
 * The first key of the two-key advisory lock that serialises one streamer's uploads on PostgreSQL (the second
 * is a hash of the streamer id). Two-key locks live apart from the one-key lock the migrator takes.
 */
const UPLOAD_LOCK_CLASS = 0x6d656469; // "medi"

const INSERT = `INSERT INTO alert_media (id, streamer_id, kind, mime_type, size, sha256, name, data, created_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`;

@Injectable()
export class TypeOrmAlertMediaRepository extends AlertMediaRepository {
  private readonly dialect: SqlDialect;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    super();
    this.dialect = dialectOf(dataSource);
  }

  /**
   * The sum and the insert run in one transaction. On PostgreSQL that alone is not enough: under READ COMMITTED
   * two transactions each sum without the other's new row and both insert. So each first takes a per-streamer
   * advisory lock held until it commits; the second then sums after the first committed (each statement reads
   * a fresh snapshot), and the quota holds exactly. An advisory lock rather than `FOR UPDATE` on the streamer's
   * row, so uploads never hold up the writes other features make to that row. On SQLite transactions already
   * run one at a time (`inTransaction`).
   */
  async insertWithinQuota(media: NewAlertMedia, quotaBytes: number): Promise<boolean> {
    return inTransaction(this.dataSource, async (manager) => {
      if (this.dialect === 'postgres') {
        await manager.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [
          UPLOAD_LOCK_CLASS,
          media.streamerId,
        ]);
      }
      if ((await this.usedBytes(manager, media.streamerId)) + media.size > quotaBytes) {
        return false;
      }
      await manager.query(positional(this.dialect, INSERT), [
        media.id,
        media.streamerId,
        media.kind,
        media.mimeType,
        media.size,
        media.sha256,
        media.name,
        media.data,
        media.createdAt,
      ]);
      return true;
    });
  }

  list(streamerId: string): Promise<AlertMedia[]> {
    return this.dataSource.getRepository(AlertMediaEntity).find({
      select: { id: true, kind: true, mimeType: true, size: true, sha256: true, name: true, createdAt: true },
      where: { streamerId },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
  }

  find(streamerId: string, id: string): Promise<AlertMedia | null> {
    return this.dataSource.getRepository(AlertMediaEntity).findOne({
      select: { id: true, kind: true, mimeType: true, size: true, sha256: true, name: true, createdAt: true },
      where: { streamerId, id },
    });
  }

  async data(streamerId: string, id: string): Promise<Buffer | null> {
    const rows = await queryRows<{ data: Buffer }>(
      this.dataSource,
      positional(this.dialect, 'SELECT data FROM alert_media WHERE id = ? AND streamer_id = ?'),
      [id, streamerId],
    );
    return rows[0]?.data ?? null;
  }

  async delete(streamerId: string, id: string): Promise<boolean> {
    const result = await this.dataSource.getRepository(AlertMediaEntity).delete({ streamerId, id });
    return (result.affected ?? 0) > 0;
  }

  async kindsOf(streamerId: string, ids: readonly string[]): Promise<Map<string, MediaKind>> {
    if (ids.length === 0) {
      return new Map();
    }
    const rows = await this.dataSource.getRepository(AlertMediaEntity).find({
      select: { id: true, kind: true },
      where: { streamerId, id: In([...new Set(ids)]) },
    });
    return new Map(rows.map((row) => [row.id, row.kind]));
  }

  private async usedBytes(manager: EntityManager, streamerId: string): Promise<number> {
    const rows = await queryRows<{ used: string | number | null }>(
      manager,
      positional(
        this.dialect,
        'SELECT COALESCE(SUM(size), 0) AS used FROM alert_media WHERE streamer_id = ?',
      ),
      [streamerId],
    );
    return Number(rows[0]?.used ?? 0);
  }
}
