import type { ValueTransformer } from 'typeorm';

/**
 * bigint columns hold epoch milliseconds, DonationAlerts ids and fencing tokens: all well inside
 * Number.MAX_SAFE_INTEGER. PostgreSQL hands bigint back as a string, SQLite as a number.
 */
export const bigintAsNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null ? null : Number(value)),
};

/**
 * Money stays a decimal string with two places. PostgreSQL stores numeric(12,2) exactly; SQLite's NUMERIC
 * affinity keeps it as a REAL, which toFixed(2) reads back exactly for any amount below 2^53 / 100.
 */
export const decimalAsString: ValueTransformer = {
  to: (value: string | null | undefined) => value,
  from: (value: string | number | null) => (value === null ? null : Number(value).toFixed(2)),
};
