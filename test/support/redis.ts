import { Redis } from 'ioredis';
import type { RedisConfig } from '../../config';
import { RedisConnection } from '../../libs/redis';
import { TEST_REDIS_URL, uniqueName } from './services';

/** A key prefix of its own on the real Redis, so parallel test files never see each other's keys. */
export function testRedisConfig(overrides: Partial<RedisConfig> = {}): RedisConfig {
  return {
    url: TEST_REDIS_URL,
    required: true,
    tls: false,
    keyPrefix: `${uniqueName('redis')}:`,
    connectTimeoutMs: 2000,
    commandTimeoutMs: 2000,
    ...overrides,
  };
}

export function openRedis(config: RedisConfig = testRedisConfig()): Promise<RedisConnection> {
  return RedisConnection.open(config);
}

/** Deletes every key under the prefix. */
export async function clearRedisPrefix(prefix: string, url = TEST_REDIS_URL): Promise<void> {
  const client = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) {
        await client.del(...keys);
      }
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}

/** `count` instances sharing Redis: a connection each on one fresh key prefix. `close()` also deletes the keys. */
export async function openRedisInstances(
  count: number,
): Promise<{ config: RedisConfig; connections: RedisConnection[]; close(): Promise<void> }> {
  const config = testRedisConfig();
  const connections: RedisConnection[] = [];
  for (let i = 0; i < count; i += 1) {
    connections.push(await openRedis(config));
  }
  return {
    config,
    connections,
    close: async () => {
      await Promise.all(connections.map((connection) => connection.close()));
      await clearRedisPrefix(config.keyPrefix);
    },
  };
}
