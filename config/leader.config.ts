import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Min } from 'class-validator';
import type { LeaderOptions } from '../libs/locks';
import { defineNamespace, leaseOutlivesTwoRenewals } from './config-namespace';
import { toInteger } from './env-parsing';

export class LeaderEnv {
  @IsOptional() @Transform(toInteger) @IsInt() @Min(50) LEADER_HEARTBEAT_MS?: number;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(100) LEADER_LEASE_MS?: number;
}

/** Exactly what the leader election takes. */
export type LeaderConfig = LeaderOptions;

export const leaderNamespace = defineNamespace({
  key: 'leader',
  env: LeaderEnv,
  build: (env): LeaderConfig => ({
    heartbeatMs: env.LEADER_HEARTBEAT_MS ?? 20_000,
    leaseMs: env.LEADER_LEASE_MS ?? 60_000,
  }),
  check: ({ heartbeatMs, leaseMs }) =>
    leaseOutlivesTwoRenewals(
      { name: 'LEADER_LEASE_MS', ms: leaseMs },
      { name: 'LEADER_HEARTBEAT_MS', ms: heartbeatMs },
    ),
});
