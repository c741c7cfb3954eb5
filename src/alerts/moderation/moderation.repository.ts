import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, IsNull, LessThan } from 'typeorm';
import { DonationModerationEntity } from '../entities';
import type { ModerationStatus, ModerationVerdict } from './moderation';

export interface StoredVerdict extends ModerationVerdict {
  donationId: string;
  streamerId: string;
  createdAt: number;
  decidedAt: number | null;
}

export type Decision = Extract<ModerationStatus, 'approved' | 'rejected'>;

export abstract class ModerationRepository {
  abstract find(donationId: string): Promise<StoredVerdict | null>;
  /** Stores the verdict unless one is stored already; returns the stored one (the first, on a race). */
  abstract keepFirst(verdict: StoredVerdict): Promise<StoredVerdict>;
  /** The streamer's held donations, oldest first. */
  abstract held(streamerId: string, limit: number): Promise<StoredVerdict[]>;
  /** Approves or rejects a held donation of the streamer; false when it is not (or no longer) held. */
  abstract decide(streamerId: string, donationId: string, decision: Decision, now: number): Promise<boolean>;
  abstract markReleased(donationId: string, now: number): Promise<void>;
  /** Approved before `decidedBefore` and never released (the releasing instance died), oldest first. */
  abstract unreleased(decidedBefore: number, limit: number): Promise<StoredVerdict[]>;
}

function verdictOf(row: DonationModerationEntity): StoredVerdict {
  const { donationId, streamerId, status, donorName, message, createdAt, decidedAt } = row;
  return { donationId, streamerId, status, donorName, message, createdAt, decidedAt };
}

@Injectable()
export class TypeOrmModerationRepository extends ModerationRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    super();
  }

  private get rows() {
    return this.dataSource.getRepository(DonationModerationEntity);
  }

  async find(donationId: string): Promise<StoredVerdict | null> {
    const row = await this.rows.findOneBy({ donationId });
    return row && verdictOf(row);
  }

  async keepFirst(verdict: StoredVerdict): Promise<StoredVerdict> {
    await this.rows
      .createQueryBuilder()
      .insert()
      .values({ ...verdict, releasedAt: null })
      .orIgnore()
      .execute();
    return (await this.find(verdict.donationId)) ?? verdict;
  }

  async held(streamerId: string, limit: number): Promise<StoredVerdict[]> {
    const rows = await this.rows.find({
      where: { streamerId, status: 'held' },
      order: { createdAt: 'ASC' },
      take: limit,
    });
    return rows.map(verdictOf);
  }

  async decide(streamerId: string, donationId: string, decision: Decision, now: number): Promise<boolean> {
    const result = await this.rows.update(
      { donationId, streamerId, status: 'held' },
      { status: decision, decidedAt: now },
    );
    return (result.affected ?? 0) > 0;
  }

  async markReleased(donationId: string, now: number): Promise<void> {
    await this.rows.update({ donationId }, { releasedAt: now });
  }

  async unreleased(decidedBefore: number, limit: number): Promise<StoredVerdict[]> {
    const rows = await this.rows.find({
      where: { status: 'approved', releasedAt: IsNull(), decidedAt: LessThan(decidedBefore) },
      order: { decidedAt: 'ASC' },
      take: limit,
    });
    return rows.map(verdictOf);
  }
}
