import {
  Catch,
  HttpException,
  HttpStatus,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { redactUrl } from '../logging/redact-url';

interface BodyParserError {
  type: string;
  status: number;
}

function isBodyParserError(error: unknown): error is BodyParserError {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as BodyParserError).type === 'string' &&
    typeof (error as BodyParserError).status === 'number'
  );
}

const BODY_PARSER_MESSAGES: Record<string, string> = {
  'entity.parse.failed': 'Malformed JSON body',
  'entity.too.large': 'Request body too large',
  'encoding.unsupported': 'Unsupported content encoding',
  'charset.unsupported': 'Unsupported charset',
  'request.aborted': 'Request aborted',
};

/**
 * The last line of defence: HTTP errors keep their status and shape, body-parser failures become clean 4xx
 * answers, and anything else is logged in full and answered with a generic 500 and the request id only.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const context = host.switchToHttp();
    const request = context.getRequest<Request & { id?: string | number }>();
    const response = context.getResponse<Response>();
    const requestId = request.id === undefined ? undefined : String(request.id);
    if (response.headersSent) {
      this.logger.error(`Error after the response started (request ${requestId}): ${String(exception)}`);
      response.end();
      return;
    }
    const { status, body } = this.describe(exception);
    if (status >= 500 && !(exception instanceof HttpException)) {
      const error = exception instanceof Error ? exception : new Error(String(exception));
      this.logger.error(
        `Unhandled error on ${request.method} ${redactUrl(request.originalUrl)} (request ${requestId}): ${error.message}`,
        error.stack,
      );
    }
    response.status(status).json({ ...body, requestId });
  }

  private describe(exception: unknown): { status: number; body: Record<string, unknown> } {
    const parseFailure = exception instanceof HttpException ? exception.cause : exception;
    if (isBodyParserError(parseFailure) && parseFailure.status >= 400 && parseFailure.status < 500) {
      const message = BODY_PARSER_MESSAGES[parseFailure.type] ?? 'Bad request body';
      return { status: parseFailure.status, body: { statusCode: parseFailure.status, message } };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const payload = exception.getResponse();
      const body =
        typeof payload === 'string'
          ? { statusCode: status, message: payload }
          : (payload as Record<string, unknown>);
      return { status, body };
    }
    return {
      status: HttpStatus.INTERNAL_SERVER_ERROR,
      body: { statusCode: HttpStatus.INTERNAL_SERVER_ERROR, message: 'Internal server error' },
    };
  }
}
