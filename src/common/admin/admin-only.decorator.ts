import { applyDecorators, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiServiceUnavailableResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { AdminApiKeyGuard } from './admin-api-key.guard';

export const ADMIN_BEARER = 'admin-api-key';

/** Marks a controller or route as an admin route. */
export function AdminOnly(): ClassDecorator & MethodDecorator {
  return applyDecorators(
    UseGuards(AdminApiKeyGuard),
    ApiBearerAuth(ADMIN_BEARER),
    ApiUnauthorizedResponse({ description: 'Missing or wrong admin API key' }),
    ApiServiceUnavailableResponse({ description: 'ADMIN_API_KEY is not set' }),
  );
}
