import type { Redis } from 'ioredis';
import { RedisScript, type RedisConnection } from '../redis';
import type { FencedKeyState, OwnershipStore } from './ownership-store';
import type { KeyState } from './ownership.types';

/**
 * Writes (ARGV[3] = the JSON) or deletes (no ARGV[3]) the key's state unless it was written by a newer epoch:
 * an ex-owner that wakes up after a takeover cannot overwrite the new owner's state. Check and write are one
 * script, so no write slips between them.
 */
const FENCED_WRITE = new RedisScript(`
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current then
  local stored = cjson.decode(current).epoch
  if type(stored) == 'number' and stored > tonumber(ARGV[2]) then
    return 0
  end
end
if ARGV[3] then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
else
  redis.call('HDEL', KEYS[1], ARGV[1])
end
return 1
`);

/**
 * `ownership:<kind>:instances`: a sorted set of instance ids scored by heartbeat expiry, pruned on read; the
 * set itself expires one lease after the last heartbeat. `ownership:<kind>:states`: a hash of key → state
 * JSON, one field per key that is owned or was reported; a field goes when its key is released because it is
 * no longer wanted, or when no live instance owns a key nobody wants any more.
 */
export class RedisOwnershipStore implements OwnershipStore {
  private readonly client: Redis;
  private readonly instancesKey: string;
  private readonly statesKey: string;

  constructor(
    redis: RedisConnection,
    kind: string,
    private readonly leaseMs: number,
  ) {
    if (!redis.client) {
      throw new Error('RedisOwnershipStore needs a Redis connection');
    }
    this.client = redis.client;
    this.instancesKey = redis.key('ownership', kind, 'instances');
    this.statesKey = redis.key('ownership', kind, 'states');
  }

  async heartbeat(instanceId: string, expiresAt: number): Promise<void> {
    await this.client
      .multi()
      .zadd(this.instancesKey, expiresAt, instanceId)
      .pexpire(this.instancesKey, this.leaseMs)
      .exec();
  }

  async leave(instanceId: string): Promise<void> {
    await this.client.zrem(this.instancesKey, instanceId);
  }

  async liveInstances(now: number): Promise<string[]> {
    const results = await this.client
      .multi()
      .zremrangebyscore(this.instancesKey, '-inf', now)
      .zrange(this.instancesKey, 0, -1)
      .exec();
    const [error, members] = results?.[1] ?? [new Error('transaction aborted'), null];
    if (error) {
      throw error;
    }
    return members as string[];
  }

  async write(state: FencedKeyState): Promise<boolean> {
    const written = await FENCED_WRITE.run(
      this.client,
      [this.statesKey],
      [state.key, state.epoch, JSON.stringify(state)],
    );
    return written === 1;
  }

  async remove(key: string, epoch: number): Promise<boolean> {
    return (await FENCED_WRITE.run(this.client, [this.statesKey], [key, epoch])) === 1;
  }

  async all(): Promise<KeyState[]> {
    const fields = await this.client.hgetall(this.statesKey);
    return Object.values(fields).map((json) => JSON.parse(json) as KeyState);
  }

  async one(key: string): Promise<KeyState | null> {
    const json = await this.client.hget(this.statesKey, key);
    return json === null ? null : (JSON.parse(json) as KeyState);
  }
}
