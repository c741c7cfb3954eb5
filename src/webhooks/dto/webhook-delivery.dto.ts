import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  Equals,
  IsIn,
  IsInt,
  IsObject,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
  type ValidationArguments,
  ValidateBy,
  type ValidationOptions,
} from 'class-validator';

/** PostgreSQL text refuses NUL; a body carrying one is the sender's error (400), not ours (500). */
function HasNoNul(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'hasNoNul',
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || !value.includes(String.fromCharCode(0)),
        defaultMessage: (args?: ValidationArguments) => `${args?.property} must not contain NUL characters`,
      },
    },
    options,
  );
}
/** Fits the donations.amount column, numeric(12,2). */
const AMOUNT = /^\d{1,10}(\.\d{1,2})?$/;

function IsDonationAmount(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isDonationAmount',
      validator: {
        validate: (value: unknown) =>
          (typeof value === 'number' && Number.isFinite(value) && AMOUNT.test(String(value))) ||
          (typeof value === 'string' && AMOUNT.test(value)),
        defaultMessage: () => 'amount must be a non-negative number with at most 10 digits and 2 decimals',
      },
    },
    options,
  );
}

/** A donation in DonationAlerts' own shape, as relays forward it. */
export class DonationAlertsDonationDto {
  @ApiProperty({ example: 123456789 })
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  id!: number;

  @ApiProperty({ example: 'donor' })
  @IsString()
  @MaxLength(255)
  @HasNoNul()
  name!: string;

  @ApiProperty({ nullable: true, example: 'donor', description: 'null when the donor is anonymous' })
  @ValidateIf((_, value) => value !== null)
  @IsString()
  @MaxLength(255)
  @HasNoNul()
  username!: string | null;

  @ApiProperty({ example: 'text' })
  @IsString()
  @MaxLength(32)
  message_type!: string;

  @ApiProperty({ nullable: true, example: 'Hello!' })
  @ValidateIf((_, value) => value !== null)
  @IsString()
  @MaxLength(10_000)
  @HasNoNul()
  message!: string | null;

  @ApiProperty({ oneOf: [{ type: 'number' }, { type: 'string' }], example: 100 })
  @IsDonationAmount()
  amount!: number | string;

  @ApiProperty({ example: 'RUB' })
  @IsString()
  @Matches(/^[A-Z]{3,8}$/, { message: 'currency must be 3 to 8 capital letters' })
  currency!: string;

  @ApiProperty({ oneOf: [{ type: 'integer' }, { type: 'boolean' }], example: 0 })
  @IsIn([0, 1, true, false])
  is_shown!: number | boolean;

  @ApiProperty({ example: '2025-11-22 10:00:00', description: 'UTC, "YYYY-MM-DD HH:MM:SS"' })
  @IsString()
  @Matches(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[ T]([01]\d|2[0-3]):[0-5]\d:[0-5]\d$/, {
    message: 'created_at must be "YYYY-MM-DD HH:MM:SS" (UTC)',
  })
  created_at!: string;

  @ApiProperty({ nullable: true, example: null })
  @ValidateIf((_, value) => value !== null)
  @IsString()
  @MaxLength(32)
  shown_at!: string | null;
}

/** The body of POST /api/donationalerts/webhook. */
export class WebhookDeliveryDto {
  @ApiProperty({ enum: ['donation'] })
  @Equals('donation', { message: 'type must be "donation"' })
  type!: 'donation';

  @ApiProperty({ description: 'The streamer id (see GET /api/admin/streamers)' })
  @IsString()
  streamerId!: string;

  @ApiProperty({ type: DonationAlertsDonationDto })
  @IsObject()
  @ValidateNested()
  @Type(() => DonationAlertsDonationDto)
  data!: DonationAlertsDonationDto;
}

export class WebhookAcceptedDto {
  @ApiProperty({ description: 'The delivery or its donation was already processed' })
  duplicate!: boolean;

  @ApiProperty({ required: false, description: 'Donations newly stored by this delivery (0 or 1)' })
  stored?: number;
}
