import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Clock } from '../../libs/clock';
import { dialectOf, positional, queryRows } from '../../libs/database';
import { StreamerEntity, type StreamerStatus } from './entities/streamer.entity';
import {
  StreamersRepository,
  type NewStreamer,
  type StreamerSummary,
  type TwitchIdentity,
} from './streamers.repository';

/** 192 random bits, URL-safe: the secret part of an overlay URL. */
export function newOverlayToken(): string {
  return randomBytes(24).toString('base64url');
}

interface StreamerSummaryRow {
  id: string;
  twitchId: string;
  login: string;
  displayName: string;
  status: StreamerStatus;
  donationCount: string | number;
  lastDonationAt: string | number | null;
}

const UPSERT_FROM_TWITCH = `
  INSERT INTO streamers (id, twitch_id, login, display_name, avatar_url, overlay_token, status, created_at, updated_at)
  VALUES (?, ?, ?, ?, ?, ?, 'active', ?, ?)
  ON CONFLICT (twitch_id) DO UPDATE
    SET login = excluded.login, display_name = excluded.display_name, avatar_url = excluded.avatar_url,
        status = 'active', updated_at = excluded.updated_at
  RETURNING id`;

const LIST_WITH_DONATION_STATS = `
  SELECT s.id, s.twitch_id AS "twitchId", s.login, s.display_name AS "displayName", s.status,
         COUNT(d.id) AS "donationCount", MAX(d.created_at) AS "lastDonationAt"
  FROM streamers s
  LEFT JOIN donations d ON d.streamer_id = s.id AND d.provider <> 'test'
  GROUP BY s.id, s.twitch_id, s.login, s.display_name, s.status, s.created_at
  ORDER BY s.created_at, s.id`;

@Injectable()
export class TypeOrmStreamersRepository extends StreamersRepository {
  private readonly upsertSql: string;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {
    super();
    this.upsertSql = positional(dialectOf(dataSource), UPSERT_FROM_TWITCH);
  }

  async create(streamer: NewStreamer): Promise<StreamerEntity> {
    const now = this.clock.now();
    const entity = this.dataSource.getRepository(StreamerEntity).create({
      id: randomUUID(),
      status: 'active',
      avatarUrl: null,
      overlayToken: newOverlayToken(),
      ...streamer,
      createdAt: now,
      updatedAt: now,
    });
    return this.dataSource.getRepository(StreamerEntity).save(entity);
  }

  findById(id: string): Promise<StreamerEntity | null> {
    return this.dataSource.getRepository(StreamerEntity).findOneBy({ id });
  }

  findByOverlayToken(token: string): Promise<StreamerEntity | null> {
    return this.dataSource.getRepository(StreamerEntity).findOneBy({ overlayToken: token });
  }

  findByLogin(login: string): Promise<StreamerEntity | null> {
    return this.dataSource.getRepository(StreamerEntity).findOneBy({ login: login.toLowerCase() });
  }

  async rotateOverlayToken(id: string): Promise<string> {
    const token = newOverlayToken();
    await this.dataSource
      .getRepository(StreamerEntity)
      .update({ id }, { overlayToken: token, updatedAt: this.clock.now() });
    return token;
  }

  async upsertFromTwitch(identity: TwitchIdentity): Promise<StreamerEntity> {
    const now = this.clock.now();
    const [row] = await queryRows<{ id: string }>(this.dataSource, this.upsertSql, [
      randomUUID(),
      identity.twitchId,
      identity.login,
      identity.displayName,
      identity.avatarUrl,
      newOverlayToken(),
      now,
      now,
    ]);
    return this.dataSource.getRepository(StreamerEntity).findOneByOrFail({ id: row.id });
  }

  async setStatus(id: string, status: StreamerStatus): Promise<void> {
    await this.dataSource
      .getRepository(StreamerEntity)
      .update({ id }, { status, updatedAt: this.clock.now() });
  }

  async listWithDonationStats(): Promise<StreamerSummary[]> {
    const rows = await queryRows<StreamerSummaryRow>(this.dataSource, LIST_WITH_DONATION_STATS);
    return rows.map((row) => ({
      ...row,
      donationCount: Number(row.donationCount),
      lastDonationAt: row.lastDonationAt === null ? null : Number(row.lastDonationAt),
    }));
  }
}
