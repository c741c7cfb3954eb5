import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsNumber, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { DONATION_CHANNELS, type DonationChannel } from '../donations';

function toNumber({ value }: { value: unknown }): unknown {
  return typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))
    ? Number(value)
    : value;
}

/** A date as `2026-12-01`, `2026-12-01T18:00:00Z` or epoch ms: epoch ms, or the input when it is none of them. */
function toEpochMs({ value }: { value: unknown }): unknown {
  if (typeof value !== 'string' || value.trim() === '') {
    return value;
  }
  if (/^\d+$/.test(value)) {
    return Number(value);
  }
  const parsed = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : Number.NaN;
  return Number.isNaN(parsed) ? value : parsed;
}

export const HISTORY_PAGE_SIZE = { default: 50, max: 200 } as const;

/** `GET /api/donations` and the CSV export: filters that combine (AND), and the page. */
export class HistoryFilterDto {
  /** Received at or after (epoch ms or an ISO date). */
  @IsOptional()
  @Transform(toEpochMs)
  @IsInt({ message: 'from must be a date or epoch milliseconds' })
  @Min(0)
  from?: number;

  /** Received before (epoch ms or an ISO date). */
  @IsOptional()
  @Transform(toEpochMs)
  @IsInt({ message: 'to must be a date or epoch milliseconds' })
  @Min(0)
  to?: number;

  @IsOptional()
  @IsIn(DONATION_CHANNELS)
  channel?: DonationChannel;

  @IsOptional()
  @Transform(toNumber)
  @IsNumber({}, { message: 'minAmount must be a number' })
  @Min(0)
  minAmount?: number;

  /** Part of the donor's name, any case. */
  @IsOptional()
  @IsString()
  @MaxLength(100)
  q?: string;
}

export class HistoryPageDto extends HistoryFilterDto {
  /** `nextCursor` of the previous page. */
  @IsOptional()
  @IsString()
  @Matches(/^\d+~[0-9a-f-]{36}$/i, { message: 'cursor is not one this API gave out' })
  cursor?: string;

  @IsOptional()
  @Transform(toNumber)
  @IsInt()
  @Min(1)
  @Max(HISTORY_PAGE_SIZE.max)
  limit?: number;
}
