import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, ValidateBy, type ValidationOptions } from 'class-validator';
import { DEFAULT_THANKS_TEMPLATE, templateProblems } from './bot-template';

/** A thank-you template with known placeholders only, on one line, within the chat limit. */
function IsThanksTemplate(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isThanksTemplate',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && templateProblems(value).length === 0,
        defaultMessage: (args) =>
          typeof args?.value === 'string'
            ? templateProblems(args.value).join('; ')
            : 'template must be a string',
      },
    },
    options,
  );
}

export class UpdateBotSettingsDto {
  @ApiPropertyOptional({ description: 'The bot joins the channel and thanks donors' })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({
    example: DEFAULT_THANKS_TEMPLATE,
    description: 'Placeholders {name} {amount} {currency} {message}; at most 450 characters after filling',
  })
  @IsOptional()
  @IsString()
  @IsThanksTemplate()
  template?: string;

  @ApiPropertyOptional({ description: 'Test alerts are thanked too («и для тестовых»)' })
  @IsOptional()
  @IsBoolean()
  thankTestAlerts?: boolean;
}
