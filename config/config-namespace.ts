export type Environment = Record<string, string | undefined>;

/**
 * One concern's settings: a class-validator class describing the raw environment variables,
 * and a builder turning the validated variables into the typed values the app reads.
 */
export interface ConfigNamespace<Key extends string, Env extends object, Value> {
  readonly key: Key;
  readonly env: new () => Env;
  build(env: Env): Value;
  /** Rules that span several variables of the namespace; returns one message per broken rule. */
  check?(value: Value): string[];
}

export function defineNamespace<Key extends string, Env extends object, Value>(
  namespace: ConfigNamespace<Key, Env, Value>,
): ConfigNamespace<Key, Env, Value> {
  return namespace;
}

/** The rule every lease shares: it must outlive two renewals, or one late renewal loses it. */
export function leaseOutlivesTwoRenewals(
  lease: { name: string; ms: number },
  renew: { name: string; ms: number },
): string[] {
  return lease.ms >= renew.ms * 2
    ? []
    : [`${lease.name} (${lease.ms}) must be at least twice ${renew.name} (${renew.ms})`];
}
