import {
  Injectable,
  ServiceUnavailableException,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { Request } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { InjectConfig, type AdminConfig } from '../../../config';

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** `Authorization: Bearer $ADMIN_API_KEY`, compared in constant time. Admin routes are closed while it is unset. */
@Injectable()
export class AdminApiKeyGuard implements CanActivate {
  private readonly expected?: Buffer;

  constructor(@InjectConfig('admin') admin: AdminConfig) {
    const apiKey = admin.apiKey;
    this.expected = apiKey ? digest(apiKey) : undefined;
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expected) {
      throw new ServiceUnavailableException(
        'Admin API is disabled: set ADMIN_API_KEY (at least 16 characters, e.g. `openssl rand -hex 32`) and restart',
      );
    }
    const header = context.switchToHttp().getRequest<Request>().headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match || !timingSafeEqual(digest(match[1]), this.expected)) {
      throw new UnauthorizedException(
        'A valid admin API key is required: Authorization: Bearer <ADMIN_API_KEY>',
      );
    }
    return true;
  }
}
