import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { Clock } from '../../libs/clock';
import { dialectOf, positional, queryRows } from '../../libs/database';
import { DonationCursorsRepository } from './donation-cursors.repository';
import { DonationCursorEntity } from './entities/donation-cursor.entity';

const ADVANCE = `
  INSERT INTO donation_cursors (streamer_id, last_donation_id, fencing_token, updated_at) VALUES (?, ?, ?, ?)
  ON CONFLICT (streamer_id) DO UPDATE
    SET last_donation_id = excluded.last_donation_id,
        fencing_token = excluded.fencing_token,
        updated_at = excluded.updated_at
    WHERE donation_cursors.fencing_token <= excluded.fencing_token
      AND donation_cursors.last_donation_id < excluded.last_donation_id
  RETURNING streamer_id`;

@Injectable()
export class TypeOrmDonationCursorsRepository extends DonationCursorsRepository {
  private readonly advanceSql: string;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {
    super();
    this.advanceSql = positional(dialectOf(dataSource), ADVANCE);
  }

  find(streamerId: string): Promise<DonationCursorEntity | null> {
    return this.dataSource.getRepository(DonationCursorEntity).findOneBy({ streamerId });
  }

  async advance(
    streamerId: string,
    lastDonationId: number,
    fencingToken: number,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<boolean> {
    const rows = await queryRows(manager, this.advanceSql, [
      streamerId,
      lastDonationId,
      fencingToken,
      this.clock.now(),
    ]);
    return rows.length > 0;
  }
}
