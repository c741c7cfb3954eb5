import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateBy,
  ValidateIf,
  ValidateNested,
  type ValidationOptions,
} from 'class-validator';
import { donationTemplateProblems, type TemplateRules } from '../common';
import {
  ALERT_ANIMATIONS,
  ALERT_DURATION_SECONDS,
  ALERT_LAYOUTS,
  MAX_MODERATION_WORDS,
  MAX_TEMPLATE_LENGTH,
  MAX_TIERS,
  MODERATION_ACTIONS,
  TTS_VOICES,
  type AlertAnimation,
  type AlertLayout,
  type ModerationAction,
  type TtsVoice,
} from './alert-settings';

const MAX_AMOUNT = 1_000_000_000;
const COLOR = /^#[0-9a-f]{6}([0-9a-f]{2})?$/i;
const CURRENCY = /^[A-Z]{3}$/;

/** The field may be left out, but not sent as null. */
const Optional = () => ValidateIf((_object, value) => value !== undefined);
/** The field may be left out or null. */
const Nullable = () => ValidateIf((_object, value) => value !== undefined && value !== null);

function IsDonationTemplate(rules: TemplateRules, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isDonationTemplate',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && donationTemplateProblems(value, rules).length === 0,
        defaultMessage: (args) =>
          typeof args?.value === 'string'
            ? donationTemplateProblems(args.value, rules).join('; ')
            : `${args?.property} must be a string`,
      },
    },
    options,
  );
}

const IsAmount = () =>
  IsNumber(
    { allowNaN: false, allowInfinity: false, maxDecimalPlaces: 2 },
    { message: ({ property }) => `${property} must be a number with at most 2 decimals` },
  );

const IsColor = () =>
  Matches(COLOR, { message: ({ property }) => `${property} must be a colour like #ffb400 or #000000b3` });

const IsCurrency = () =>
  Matches(CURRENCY, { message: ({ property }) => `${property} must be a currency code like RUB or USD` });

/** `{ "RUB": 50, "USD": 1 }`: currency codes to amounts. */
function IsAmountsByCurrency(options?: ValidationOptions): PropertyDecorator {
  const problem = (value: unknown): string | null => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return 'byCurrency must be an object of currency codes to amounts';
    }
    for (const [currency, amount] of Object.entries(value)) {
      if (!CURRENCY.test(currency)) {
        return `byCurrency: "${currency}" is not a currency code like RUB or USD`;
      }
      if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0 || amount > MAX_AMOUNT) {
        return `byCurrency.${currency} must be a number from 0 to ${MAX_AMOUNT}`;
      }
      if (Math.round(amount * 100) !== amount * 100) {
        return `byCurrency.${currency} must have at most 2 decimals`;
      }
    }
    return null;
  };
  return ValidateBy(
    {
      name: 'isAmountsByCurrency',
      validator: {
        validate: (value: unknown) => problem(value) === null,
        defaultMessage: (args) => problem(args?.value) ?? '',
      },
    },
    options,
  );
}

const TITLE_RULES: TemplateRules = { maxLength: MAX_TEMPLATE_LENGTH };
const MESSAGE_RULES: TemplateRules = { maxLength: MAX_TEMPLATE_LENGTH, allowEmpty: true };

export class AlertTextDto {
  @ApiPropertyOptional({ example: '{name} — {amount} {currency}' })
  @Optional()
  @IsDonationTemplate(TITLE_RULES)
  titleTemplate?: string;

  @ApiPropertyOptional({ example: '{message}', description: 'May be empty: no message line' })
  @Optional()
  @IsDonationTemplate(MESSAGE_RULES)
  messageTemplate?: string;

  @ApiPropertyOptional({ minimum: 12, maximum: 96 })
  @Optional()
  @IsInt()
  @Min(12)
  @Max(96)
  fontSizePx?: number;

  @ApiPropertyOptional({ example: '#ffffff' })
  @Optional()
  @IsColor()
  textColor?: string;

  @ApiPropertyOptional({ example: '#ffb400' })
  @Optional()
  @IsColor()
  accentColor?: string;

  @ApiPropertyOptional({ example: '#000000b3' })
  @Optional()
  @IsColor()
  backgroundColor?: string;

  @ApiPropertyOptional({ enum: ALERT_LAYOUTS })
  @Optional()
  @IsIn(ALERT_LAYOUTS)
  layout?: AlertLayout;

  @ApiPropertyOptional({ minimum: ALERT_DURATION_SECONDS.min, maximum: ALERT_DURATION_SECONDS.max })
  @Optional()
  @IsInt()
  @Min(ALERT_DURATION_SECONDS.min)
  @Max(ALERT_DURATION_SECONDS.max)
  durationSeconds?: number;

  @ApiPropertyOptional({ enum: ALERT_ANIMATIONS })
  @Optional()
  @IsIn(ALERT_ANIMATIONS)
  enter?: AlertAnimation;

  @ApiPropertyOptional({ enum: ALERT_ANIMATIONS })
  @Optional()
  @IsIn(ALERT_ANIMATIONS)
  exit?: AlertAnimation;
}

export class MinimumAmountsDto {
  @ApiPropertyOptional({ description: 'For currencies without their own minimum', example: 0 })
  @Optional()
  @IsAmount()
  @Min(0)
  @Max(MAX_AMOUNT)
  default?: number;

  @ApiPropertyOptional({ example: { RUB: 50, USD: 1 }, description: 'Replaces the stored map whole' })
  @Optional()
  @IsAmountsByCurrency()
  byCurrency?: Record<string, number>;
}

export class AlertTierDto {
  @ApiPropertyOptional({ example: 500 })
  @IsAmount()
  @Min(0)
  @Max(MAX_AMOUNT)
  minAmount!: number;

  @ApiPropertyOptional({ example: 'RUB' })
  @IsString()
  @IsCurrency()
  currency!: string;

  @ApiPropertyOptional({ nullable: true, description: "null: the base alert's title" })
  @Nullable()
  @IsDonationTemplate(TITLE_RULES)
  titleTemplate?: string | null;

  @ApiPropertyOptional({ nullable: true, description: "null: the base alert's message line" })
  @Nullable()
  @IsDonationTemplate(MESSAGE_RULES)
  messageTemplate?: string | null;

  @ApiPropertyOptional({ nullable: true, description: 'An uploaded image (POST /api/alerts/media)' })
  @Nullable()
  @IsUUID()
  imageId?: string | null;

  @ApiPropertyOptional({ nullable: true, description: 'An uploaded sound (POST /api/alerts/media)' })
  @Nullable()
  @IsUUID()
  soundId?: string | null;

  @ApiPropertyOptional({ minimum: 0, maximum: 100, default: 80 })
  @Optional()
  @IsInt()
  @Min(0)
  @Max(100)
  volume?: number;

  @ApiPropertyOptional({
    nullable: true,
    minimum: ALERT_DURATION_SECONDS.min,
    maximum: ALERT_DURATION_SECONDS.max,
  })
  @Nullable()
  @IsInt()
  @Min(ALERT_DURATION_SECONDS.min)
  @Max(ALERT_DURATION_SECONDS.max)
  durationSeconds?: number | null;

  @ApiPropertyOptional({ nullable: true, example: '#ff3366' })
  @Nullable()
  @IsColor()
  color?: string | null;
}

export class TtsSettingsDto {
  @ApiPropertyOptional()
  @Optional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ type: MinimumAmountsDto })
  @Optional()
  @IsObject()
  @ValidateNested()
  @Type(() => MinimumAmountsDto)
  minAmount?: MinimumAmountsDto;

  @ApiPropertyOptional({ enum: TTS_VOICES })
  @Optional()
  @IsIn(TTS_VOICES)
  voice?: TtsVoice;

  @ApiPropertyOptional({ minimum: 50, maximum: 200, description: "Percent of the voice's normal speed" })
  @Optional()
  @IsInt()
  @Min(50)
  @Max(200)
  ratePercent?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 100 })
  @Optional()
  @IsInt()
  @Min(0)
  @Max(100)
  volume?: number;

  @ApiPropertyOptional({ example: '{name} пишет: {message}' })
  @Optional()
  @IsDonationTemplate(TITLE_RULES)
  template?: string;

  @ApiPropertyOptional({ minimum: 10, maximum: 500 })
  @Optional()
  @IsInt()
  @Min(10)
  @Max(500)
  maxMessageLength?: number;

  @ApiPropertyOptional({ description: 'Links are not read out' })
  @Optional()
  @IsBoolean()
  skipLinks?: boolean;
}

export class ModerationSettingsDto {
  @ApiPropertyOptional({ enum: MODERATION_ACTIONS })
  @Optional()
  @IsIn(MODERATION_ACTIONS)
  action?: ModerationAction;

  @ApiPropertyOptional({ description: 'The built-in Russian and English list as well' })
  @Optional()
  @IsBoolean()
  builtInList?: boolean;

  @ApiPropertyOptional({
    type: [String],
    example: ['спойлер', 'дур*'],
    description: 'Replaces the stored list',
  })
  @Optional()
  @IsArray()
  @ArrayMaxSize(MAX_MODERATION_WORDS)
  @IsString({ each: true })
  @MinLength(2, { each: true })
  @MaxLength(50, { each: true })
  words?: string[];

  @ApiPropertyOptional({ description: 'Links are removed from the message the alert shows' })
  @Optional()
  @IsBoolean()
  removeLinks?: boolean;
}

/** `PUT /api/alerts/settings`: any of the sections; a section sent changes only the fields it has. */
export class UpdateAlertSettingsDto {
  @ApiPropertyOptional({ type: AlertTextDto })
  @Optional()
  @IsObject()
  @ValidateNested()
  @Type(() => AlertTextDto)
  text?: AlertTextDto;

  @ApiPropertyOptional({ type: MinimumAmountsDto, description: 'To show an alert at all' })
  @Optional()
  @IsObject()
  @ValidateNested()
  @Type(() => MinimumAmountsDto)
  minimums?: MinimumAmountsDto;

  @ApiPropertyOptional({
    type: [AlertTierDto],
    description: `At most ${MAX_TIERS}; replaces the stored list`,
  })
  @Optional()
  @IsArray()
  @ArrayMaxSize(MAX_TIERS, { message: `tiers: at most ${MAX_TIERS}` })
  @ValidateNested({ each: true })
  @Type(() => AlertTierDto)
  tiers?: AlertTierDto[];

  @ApiPropertyOptional({ type: TtsSettingsDto })
  @Optional()
  @IsObject()
  @ValidateNested()
  @Type(() => TtsSettingsDto)
  tts?: TtsSettingsDto;

  @ApiPropertyOptional({ type: ModerationSettingsDto })
  @Optional()
  @IsObject()
  @ValidateNested()
  @Type(() => ModerationSettingsDto)
  moderation?: ModerationSettingsDto;
}
