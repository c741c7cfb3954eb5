import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Min } from 'class-validator';
import { defineNamespace, leaseOutlivesTwoRenewals } from './config-namespace';
import { toInteger } from './env-parsing';

export class ClusterEnv {
  @IsOptional() @Transform(toInteger) @IsInt() @Min(50) CLUSTER_RENEW_MS?: number;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(100) CLUSTER_LEASE_MS?: number;
}

/** Keyed ownership across the cluster (realtime sockets, chat bots): leases renewed every renewMs for leaseMs. */
export interface ClusterConfig {
  renewMs: number;
  leaseMs: number;
}

export const clusterNamespace = defineNamespace({
  key: 'cluster',
  env: ClusterEnv,
  build: (env): ClusterConfig => ({
    renewMs: env.CLUSTER_RENEW_MS ?? 10_000,
    leaseMs: env.CLUSTER_LEASE_MS ?? 30_000,
  }),
  check: ({ renewMs, leaseMs }) =>
    leaseOutlivesTwoRenewals(
      { name: 'CLUSTER_LEASE_MS', ms: leaseMs },
      { name: 'CLUSTER_RENEW_MS', ms: renewMs },
    ),
});
