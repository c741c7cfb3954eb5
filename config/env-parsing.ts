import type { TransformFnParams } from 'class-transformer';

/** Environment values are strings; these turn them into typed values while keeping bad input visible to validators. */
export function toInteger({ value }: TransformFnParams): unknown {
  if (value === undefined || value === '') {
    return undefined;
  }
  return typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : value;
}

export function toBoolean({ value }: TransformFnParams): unknown {
  if (value === undefined || value === '') {
    return undefined;
  }
  if (typeof value === 'string') {
    const normalised = value.trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(normalised)) {
      return true;
    }
    if (['false', '0', 'no', 'off'].includes(normalised)) {
      return false;
    }
  }
  return value;
}

export function emptyToUndefined({ value }: TransformFnParams): unknown {
  return value === '' ? undefined : value;
}
