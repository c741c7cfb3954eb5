import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Clock } from '../../libs/clock';
import { queryRows } from '../../libs/database';
import { StreamerEntity, type StreamerStatus } from './entities/streamer.entity';
import { StreamersRepository, type NewStreamer, type StreamerSummary } from './streamers.repository';

interface StreamerSummaryRow {
  id: string;
  twitchId: string;
  login: string;
  displayName: string;
  status: StreamerStatus;
  donationCount: string | number;
  lastDonationAt: string | number | null;
}

const LIST_WITH_DONATION_STATS = `
  SELECT s.id, s.twitch_id AS "twitchId", s.login, s.display_name AS "displayName", s.status,
         COUNT(d.id) AS "donationCount", MAX(d.created_at) AS "lastDonationAt"
  FROM streamers s
  LEFT JOIN donations d ON d.streamer_id = s.id AND d.provider <> 'test'
  GROUP BY s.id, s.twitch_id, s.login, s.display_name, s.status, s.created_at
  ORDER BY s.created_at, s.id`;

@Injectable()
export class TypeOrmStreamersRepository extends StreamersRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {
    super();
  }

  async create(streamer: NewStreamer): Promise<StreamerEntity> {
    const now = this.clock.now();
    const entity = this.dataSource.getRepository(StreamerEntity).create({
      id: randomUUID(),
      status: 'active',
      ...streamer,
      createdAt: now,
      updatedAt: now,
    });
    return this.dataSource.getRepository(StreamerEntity).save(entity);
  }

  findById(id: string): Promise<StreamerEntity | null> {
    return this.dataSource.getRepository(StreamerEntity).findOneBy({ id });
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
