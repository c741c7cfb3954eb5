import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { dialectOf, inTransaction, positional, queryRows } from '../../libs/database';
import { WebhookRegistrationsRepository, type WebhookRegistration } from './webhook-registrations.repository';
import type { RejectionReason } from './webhook-signature.verifier';

interface RegistrationRow {
  streamer_id: string;
  url: string;
  secret: string;
  created_at: string | number;
  rotated_at: string | number | null;
  last_delivery_at: string | number | null;
  deliveries: string | number;
  rejections: string;
}

const COLUMNS = 'streamer_id, url, secret, created_at, rotated_at, last_delivery_at, deliveries, rejections';
/** Optimistic retries of the rejection counter before giving up on counting one rejection. */
const COUNT_ATTEMPTS = 5;

const nullableNumber = (value: string | number | null) => (value === null ? null : Number(value));

function toRegistration(row: RegistrationRow): WebhookRegistration {
  return {
    streamerId: row.streamer_id,
    url: row.url,
    sealedSecret: row.secret,
    createdAt: Number(row.created_at),
    rotatedAt: nullableNumber(row.rotated_at),
    lastDeliveryAt: nullableNumber(row.last_delivery_at),
    deliveries: Number(row.deliveries),
    rejections: JSON.parse(row.rejections) as WebhookRegistration['rejections'],
  };
}

@Injectable()
export class TypeOrmWebhookRegistrationsRepository extends WebhookRegistrationsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    super();
  }

  async find(streamerId: string): Promise<WebhookRegistration | null> {
    const [row] = await this.rows<RegistrationRow>(
      `SELECT ${COLUMNS} FROM webhook_registrations WHERE streamer_id = ?`,
      [streamerId],
    );
    return row ? toRegistration(row) : null;
  }

  save(
    streamerId: string,
    url: string,
    sealedSecret: string,
    now: number,
  ): Promise<{ registration: WebhookRegistration; created: boolean }> {
    return inTransaction(this.dataSource, async (manager) => {
      const inserted = await queryRows(
        manager,
        this.sql(
          `INSERT INTO webhook_registrations (streamer_id, url, secret, created_at, deliveries, rejections)
           VALUES (?, ?, ?, ?, 0, '{}') ON CONFLICT (streamer_id) DO NOTHING RETURNING streamer_id`,
        ),
        [streamerId, url, sealedSecret, now],
      );
      if (inserted.length === 0) {
        await manager.query(
          this.sql(
            'UPDATE webhook_registrations SET url = ?, secret = ?, rotated_at = ? WHERE streamer_id = ?',
          ),
          [url, sealedSecret, now, streamerId],
        );
      }
      const [row] = await queryRows<RegistrationRow>(
        manager,
        this.sql(`SELECT ${COLUMNS} FROM webhook_registrations WHERE streamer_id = ?`),
        [streamerId],
      );
      return { registration: toRegistration(row), created: inserted.length > 0 };
    });
  }

  async remove(streamerId: string): Promise<boolean> {
    const removed = await this.rows(
      'DELETE FROM webhook_registrations WHERE streamer_id = ? RETURNING streamer_id',
      [streamerId],
    );
    return removed.length > 0;
  }

  async list(): Promise<WebhookRegistration[]> {
    const rows = await this.rows<RegistrationRow>(
      `SELECT ${COLUMNS} FROM webhook_registrations ORDER BY created_at, streamer_id`,
    );
    return rows.map(toRegistration);
  }

  /** Read, add one, write back only if nobody changed it meanwhile: portable across both databases' JSON. */
  async countRejection(streamerId: string, reason: RejectionReason): Promise<void> {
    for (let attempt = 0; attempt < COUNT_ATTEMPTS; attempt += 1) {
      const [row] = await this.rows<{ rejections: string }>(
        'SELECT rejections FROM webhook_registrations WHERE streamer_id = ?',
        [streamerId],
      );
      if (!row) {
        return;
      }
      const counts = JSON.parse(row.rejections) as Record<string, number>;
      counts[reason] = (counts[reason] ?? 0) + 1;
      const updated = await this.rows(
        'UPDATE webhook_registrations SET rejections = ? WHERE streamer_id = ? AND rejections = ? RETURNING streamer_id',
        [JSON.stringify(counts), streamerId, row.rejections],
      );
      if (updated.length > 0) {
        return;
      }
    }
  }

  async countDelivery(streamerId: string, now: number): Promise<void> {
    await this.rows(
      'UPDATE webhook_registrations SET deliveries = deliveries + 1, last_delivery_at = ? WHERE streamer_id = ?',
      [now, streamerId],
    );
  }

  async removeInactiveSince(cutoff: number): Promise<WebhookRegistration[]> {
    const rows = await this.rows<RegistrationRow>(
      `DELETE FROM webhook_registrations WHERE COALESCE(last_delivery_at, created_at) < ? RETURNING ${COLUMNS}`,
      [cutoff],
    );
    return rows.map(toRegistration);
  }

  async deliverySeen(deliveryId: string): Promise<boolean> {
    const rows = await this.rows('SELECT 1 AS seen FROM webhook_deliveries WHERE delivery_id = ?', [
      deliveryId,
    ]);
    return rows.length > 0;
  }

  async recordDelivery(deliveryId: string, streamerId: string, now: number): Promise<void> {
    await this.rows(
      `INSERT INTO webhook_deliveries (delivery_id, streamer_id, received_at) VALUES (?, ?, ?)
       ON CONFLICT (delivery_id) DO NOTHING`,
      [deliveryId, streamerId, now],
    );
  }

  async pruneDeliveries(cutoff: number): Promise<number> {
    const removed = await this.rows(
      'DELETE FROM webhook_deliveries WHERE received_at < ? RETURNING delivery_id',
      [cutoff],
    );
    return removed.length;
  }

  private sql(text: string): string {
    return positional(dialectOf(this.dataSource), text);
  }

  private rows<T>(text: string, parameters: unknown[] = []): Promise<T[]> {
    return queryRows<T>(this.dataSource, this.sql(text), parameters);
  }
}
