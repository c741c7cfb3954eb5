import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../../libs/clock';
import { dialectOf, entityManagerOf, positional, queryRows, type Transaction } from '../../libs/database';
import { DonationCursorsRepository } from './donation-cursors.repository';
import { DonationCursorEntity } from './entities/donation-cursor.entity';

/**
 * One statement both checks the fence and moves the cursor: a writer whose token is lower than the stored one
 * changes nothing (no row returned); an accepted writer stores its token and the larger of the two ids.
 * On PostgreSQL the row stays locked until the caller's transaction ends, so a stale writer waits and then fails.
 */
const ADVANCE = `
  INSERT INTO donation_cursors (streamer_id, last_donation_id, fencing_token, updated_at) VALUES (?, ?, ?, ?)
  ON CONFLICT (streamer_id) DO UPDATE
    SET last_donation_id = CASE
          WHEN excluded.last_donation_id > donation_cursors.last_donation_id THEN excluded.last_donation_id
          ELSE donation_cursors.last_donation_id
        END,
        fencing_token = excluded.fencing_token,
        updated_at = excluded.updated_at
    WHERE donation_cursors.fencing_token <= excluded.fencing_token
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

  async remove(streamerId: string): Promise<void> {
    await this.dataSource.getRepository(DonationCursorEntity).delete({ streamerId });
  }

  async advance(
    streamerId: string,
    lastDonationId: number,
    fencingToken: number,
    tx?: Transaction,
  ): Promise<boolean> {
    const rows = await queryRows(entityManagerOf(this.dataSource, tx), this.advanceSql, [
      streamerId,
      lastDonationId,
      fencingToken,
      this.clock.now(),
    ]);
    return rows.length > 0;
  }
}
