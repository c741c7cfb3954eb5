import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { DonationEntity } from '../donations';
import { GoalEntity, StreamMarkEntity } from './entities';

export interface GoalInput {
  title: string;
  target: number;
  currency: string;
  startsAt: number;
}

export interface Goal extends Omit<GoalInput, 'target'> {
  id: string;
  /** Decimal string with two places, like amounts. */
  target: string;
  active: boolean;
  createdAt: number;
}

export interface TopDonor {
  /** null: the anonymous donations, together. */
  donorName: string | null;
  /** Decimal string with two places. */
  total: string;
  count: number;
}

const toGoal = ({ streamerId: _streamerId, ...goal }: GoalEntity): Goal => goal;

/** Goals, the stream mark, and the sums over donations they need, each one aggregate query in the database. */
@Injectable()
export class GoalsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async active(streamerId: string): Promise<Goal | null> {
    const goal = await this.dataSource.getRepository(GoalEntity).findOneBy({ streamerId, active: true });
    return goal && toGoal(goal);
  }

  async all(streamerId: string, limit: number): Promise<Goal[]> {
    const goals = await this.dataSource
      .getRepository(GoalEntity)
      .find({ where: { streamerId }, order: { createdAt: 'DESC' }, take: limit });
    return goals.map(toGoal);
  }

  /** Changes the active goal, or (`startNew`, or none yet) ends it and starts a new one; returns the active one. */
  save(streamerId: string, input: GoalInput, startNew: boolean, now: number): Promise<Goal> {
    return this.dataSource.transaction(async (manager: EntityManager) => {
      const goals = manager.getRepository(GoalEntity);
      const current = await goals.findOneBy({ streamerId, active: true });
      const values = { ...input, target: input.target.toFixed(2) };
      if (current && !startNew) {
        await goals.update({ id: current.id }, values);
        return toGoal({ ...current, ...values });
      }
      await goals.update({ streamerId, active: true }, { active: false });
      const goal: GoalEntity = { id: randomUUID(), streamerId, ...values, active: true, createdAt: now };
      await goals.insert(goal);
      return toGoal(goal);
    });
  }

  /** The sum of the streamer's donations in `currency` made since `since`; test alerts do not count. */
  async raised(streamerId: string, currency: string, since: number): Promise<string> {
    const row = await this.countedDonations(streamerId, currency, since)
      .select('COALESCE(SUM(d.amount), 0)', 'raised')
      .getRawOne<{ raised: string | number }>();
    return Number(row?.raised ?? 0).toFixed(2);
  }

  /** The ten (or `limit`) biggest donors in `currency` since `since`, by total; test alerts do not count. */
  async top(streamerId: string, currency: string, since: number, limit: number): Promise<TopDonor[]> {
    const rows = await this.countedDonations(streamerId, currency, since)
      .select(`COALESCE(d.donor_name, '')`, 'donor')
      .addSelect('SUM(d.amount)', 'total')
      .addSelect('COUNT(*)', 'count')
      .groupBy(`COALESCE(d.donor_name, '')`)
      .orderBy('total', 'DESC')
      .addOrderBy('donor', 'ASC')
      .limit(limit)
      .getRawMany<{ donor: string; total: string | number; count: string | number }>();
    return rows.map(({ donor, total, count }) => ({
      donorName: donor === '' ? null : donor,
      total: Number(total).toFixed(2),
      count: Number(count),
    }));
  }

  /** What goals and top donors count: the streamer's real donations in one currency made since `since`. */
  private countedDonations(streamerId: string, currency: string, since: number) {
    return this.dataSource
      .getRepository(DonationEntity)
      .createQueryBuilder('d')
      .where('d.streamer_id = :streamerId', { streamerId })
      .andWhere('d.currency = :currency', { currency })
      .andWhere('d.created_at >= :since', { since })
      .andWhere(`d.provider <> 'test'`);
  }

  async markStreamStart(streamerId: string, now: number): Promise<void> {
    await this.dataSource
      .getRepository(StreamMarkEntity)
      .upsert({ streamerId, startedAt: now }, ['streamerId']);
  }

  async streamStart(streamerId: string): Promise<number | null> {
    return (
      (await this.dataSource.getRepository(StreamMarkEntity).findOneBy({ streamerId }))?.startedAt ?? null
    );
  }
}
