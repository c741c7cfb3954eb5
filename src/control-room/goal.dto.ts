import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { DEFAULT_TIME_ZONE, isTimeZone, TOP_PERIODS, type TopPeriod } from './periods';

/** `PUT /api/goal`: the active goal, or a new one with `startNew`. */
export class GoalDto {
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  title!: string;

  @IsNumber({ maxDecimalPlaces: 2 }, { message: 'target must be an amount with at most 2 decimals' })
  @Min(1)
  @Max(100_000_000)
  target!: number;

  @IsString()
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be a 3-letter code such as RUB' })
  currency!: string;

  /** Epoch ms: donations made from then on count. */
  @IsInt()
  @Min(0)
  startsAt!: number;

  /** Ends the active goal (it stays in the list) and starts this one. */
  @IsOptional()
  @IsBoolean()
  startNew?: boolean;
}

function upper({ value }: { value: unknown }): unknown {
  return typeof value === 'string' ? value.toUpperCase() : value;
}

/** `GET /api/donations/top`. */
export class TopQueryDto {
  @IsOptional()
  @IsIn(TOP_PERIODS)
  period?: TopPeriod;

  @IsOptional()
  @Transform(upper)
  @IsString()
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be a 3-letter code' })
  currency?: string;

  /** The zone of the calendar week and month (IANA name); Europe/Moscow by default. */
  @IsOptional()
  @IsString()
  @MaxLength(64)
  @Matches(/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/, { message: 'tz must be a time zone such as Europe/Moscow' })
  tz?: string;
}

export function zoneOf(query: TopQueryDto): string | null {
  const zone = query.tz ?? DEFAULT_TIME_ZONE;
  return isTimeZone(zone) ? zone : null;
}
