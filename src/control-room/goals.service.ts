import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { Clock } from '../../libs/clock';
import { ANONYMOUS_DONOR, validationFailed } from '../common';
import type { GoalDto, TopQueryDto } from './goal.dto';
import { zoneOf } from './goal.dto';
import { GoalsRepository, type Goal, type TopDonor } from './goals.repository';
import { startOf, type TopPeriod } from './periods';

export interface GoalView extends Goal {
  /** Donations in the goal's currency since it started, test alerts left out (decimal string). */
  raised: string;
}

export interface TopDonorsView {
  period: TopPeriod;
  currency: string;
  /** Epoch ms the period starts at; 0 for all time. */
  since: number;
  donors: Array<TopDonor & { displayName: string }>;
}

const TOP_LIMIT = 10;
const GOALS_LISTED = 50;

function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) {
    return false;
  }
  const { code } = error.driverError as { code?: string };
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

@Injectable()
export class GoalsService {
  constructor(
    private readonly goals: GoalsRepository,
    private readonly clock: Clock,
  ) {}

  async active(streamerId: string): Promise<GoalView> {
    const goal = await this.goals.active(streamerId);
    if (!goal) {
      throw new NotFoundException('No goal yet: set one with PUT /api/goal');
    }
    return this.withRaised(streamerId, goal);
  }

  async all(streamerId: string): Promise<GoalView[]> {
    const goals = await this.goals.all(streamerId, GOALS_LISTED);
    return Promise.all(goals.map((goal) => this.withRaised(streamerId, goal)));
  }

  async save(streamerId: string, dto: GoalDto): Promise<GoalView> {
    try {
      const goal = await this.goals.save(streamerId, dto, dto.startNew ?? false, this.clock.now());
      return await this.withRaised(streamerId, goal);
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new ConflictException('Another goal was started at the same moment; load it and try again');
      }
      throw error;
    }
  }

  async markStreamStart(streamerId: string): Promise<{ startedAt: number }> {
    const startedAt = this.clock.now();
    await this.goals.markStreamStart(streamerId, startedAt);
    return { startedAt };
  }

  async top(streamerId: string, query: TopQueryDto): Promise<TopDonorsView> {
    const zone = zoneOf(query);
    if (!zone) {
      throw validationFailed({ tz: ['tz is not a known time zone'] });
    }
    const period = query.period ?? 'stream';
    const goal = await this.goals.active(streamerId);
    const currency = query.currency ?? goal?.currency ?? 'RUB';
    const since = await this.since(streamerId, period, zone, goal);
    const donors = await this.goals.top(streamerId, currency, since, TOP_LIMIT);
    return {
      period,
      currency,
      since,
      donors: donors.map((donor) => ({ ...donor, displayName: donor.donorName ?? ANONYMOUS_DONOR })),
    };
  }

  /** `stream`: since «Начать эфир», else the active goal's start, else the last 24 hours. */
  private async since(
    streamerId: string,
    period: TopPeriod,
    zone: string,
    goal: Goal | null,
  ): Promise<number> {
    const now = this.clock.now();
    switch (period) {
      case 'all':
        return 0;
      case 'week':
      case 'month':
        return startOf(period, now, zone);
      case 'stream':
        return (await this.goals.streamStart(streamerId)) ?? goal?.startsAt ?? now - 86_400_000;
    }
  }

  private async withRaised(streamerId: string, goal: Goal): Promise<GoalView> {
    return { ...goal, raised: await this.goals.raised(streamerId, goal.currency, goal.startsAt) };
  }
}
