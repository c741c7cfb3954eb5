import { BadRequestException, ValidationPipe, type ValidationError } from '@nestjs/common';

export type FieldErrors = Record<string, string[]>;

/** Flattens nested class-validator errors into `{ "field.path": [messages] }`. */
export function toFieldErrors(errors: ValidationError[], parent = ''): FieldErrors {
  const result: FieldErrors = {};
  for (const error of errors) {
    const path = parent ? `${parent}.${error.property}` : error.property;
    if (error.constraints) {
      result[path] = Object.values(error.constraints);
    }
    Object.assign(result, toFieldErrors(error.children ?? [], path));
  }
  return result;
}

/** The 400 every invalid body gets: `errors` holds the messages per field path. */
export function validationFailed(errors: FieldErrors): BadRequestException {
  return new BadRequestException({
    statusCode: 400,
    error: 'Bad Request',
    message: 'Validation failed',
    errors,
  });
}

export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => validationFailed(toFieldErrors(errors)),
  });
}
