import { Logger } from '@nestjs/common';
import { DatabaseLockProvider, LockKeys, RedisLockProvider, type Lease } from '../../libs/locks';
import { openDataSource } from './databases';
import type { BackingServices } from './deployments';
import { openRedis, testRedisConfig } from './redis';

/**
 * Plays another instance that leads the cluster, so the instances under test never run leader jobs
 * (schedule reconciliation, pending announcements) behind the test's back. Release it when done.
 */
export async function holdLeadership(services: BackingServices): Promise<() => Promise<void>> {
  const ttlMs = 30 * 60_000;
  // Connecting and migrating here log through Nest's default logger, before any app replaces it.
  Logger.overrideLogger(['error', 'fatal']);
  if (services.deployment === 'postgres+redis') {
    const redis = await openRedis(testRedisConfig({ keyPrefix: String(services.env.REDIS_KEY_PREFIX) }));
    const lease = await new RedisLockProvider(redis).tryLock(LockKeys.leader(), ttlMs);
    if (!lease) {
      throw new Error('The leader lock is already held');
    }
    return async () => {
      await lease.release();
      await redis.close();
    };
  }
  const dataSource = await openDataSource(services.database);
  let lease: Lease | null;
  try {
    lease = await new DatabaseLockProvider(dataSource, 'stand-in-leader').tryLock(LockKeys.leader(), ttlMs);
  } finally {
    await dataSource.destroy();
  }
  if (!lease) {
    throw new Error('The leader lock is already held');
  }
  return () => Promise.resolve();
}
