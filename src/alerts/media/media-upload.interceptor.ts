import {
  BadRequestException,
  HttpException,
  Injectable,
  UnsupportedMediaTypeException,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import type { Request } from 'express';
import type { Observable } from 'rxjs';
import { InjectConfig, type AlertsConfig } from '../../../config';
import { fileTooLarge, MEDIA_FIELD } from './alert-media.service';

/** multer's error codes, kept as the cause of the HttpException Nest turns them into. */
function multerCode(error: unknown): string | undefined {
  const cause = error instanceof HttpException ? (error.cause as { code?: unknown } | undefined) : undefined;
  return typeof cause?.code === 'string' ? cause.code : undefined;
}

/**
 * Nest's FileInterceptor for the one `file` field, in memory, with the size limit from the settings, and
 * clear messages instead of multer's: a body that is not multipart → 415, a file above the limit → 413 (multer
 * stops reading it as soon as it passes the limit, so an oversized upload is never held whole), a second file
 * or one in another field → 400.
 */
@Injectable()
export class MediaUploadInterceptor implements NestInterceptor {
  private readonly upload: NestInterceptor;
  private readonly maxBytes: number;

  constructor(@InjectConfig('alerts') alerts: AlertsConfig) {
    this.maxBytes = alerts.mediaMaxBytes;
    const Upload = FileInterceptor(MEDIA_FIELD, {
      // Neither `storage` nor `dest`: multer keeps the file in memory (`file.buffer`), nothing touches the disk.
      // multer treats `fileSize` as the largest size allowed; the service checks it again.
      limits: { fileSize: this.maxBytes, files: 1, fields: 10, parts: 12 },
      // Browsers send the file name as raw UTF-8 without saying so; busboy would read it as Latin-1.
      defParamCharset: 'utf8',
    });
    this.upload = new Upload();
  }

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    if (!context.switchToHttp().getRequest<Request>().is('multipart/form-data')) {
      throw new UnsupportedMediaTypeException(
        `Send the file as multipart/form-data, in the form field "${MEDIA_FIELD}"`,
      );
    }
    try {
      return await this.upload.intercept(context, next);
    } catch (error) {
      switch (multerCode(error)) {
        case 'LIMIT_FILE_SIZE':
          throw fileTooLarge(this.maxBytes);
        case 'LIMIT_UNEXPECTED_FILE':
        case 'LIMIT_FILE_COUNT':
          throw new BadRequestException(`Send one file, in the form field "${MEDIA_FIELD}"`);
        default:
          throw error;
      }
    }
  }
}
