import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsNumber, Matches, Max, Min, ValidateIf } from 'class-validator';

export const TEST_ALERT_AMOUNT = { min: 0.01, max: 10_000_000 } as const;

/** The field may be left out, but not sent as null. */
const Optional = () => ValidateIf((_object, value) => value !== undefined);

/**
 * `POST /api/overlay/test-alert`: an amount and currency to try a tier with (the «Проверить» button of a tier
 * row); an empty body is the usual 100 RUB test.
 */
export class TestAlertDto {
  @ApiPropertyOptional({ minimum: TEST_ALERT_AMOUNT.min, maximum: TEST_ALERT_AMOUNT.max, example: 500 })
  @Optional()
  @IsNumber(
    { allowNaN: false, allowInfinity: false, maxDecimalPlaces: 2 },
    { message: ({ property }) => `${property} must be a number with at most 2 decimals` },
  )
  @Min(TEST_ALERT_AMOUNT.min)
  @Max(TEST_ALERT_AMOUNT.max)
  amount?: number;

  @ApiPropertyOptional({ example: 'RUB', description: 'A currency code; RUB when left out' })
  @Optional()
  @Matches(/^[A-Z]{3}$/, {
    message: ({ property }) => `${property} must be a currency code like RUB or USD`,
  })
  currency?: string;
}
