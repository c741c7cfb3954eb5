import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * A Lua script run by its SHA1 (EVALSHA), so the hot paths that call scripts on every tick and poll send
 * 40 bytes instead of the whole source. Redis forgets scripts on restart or SCRIPT FLUSH: on NOSCRIPT the
 * source is sent once with EVAL, which also loads it again.
 */
export class RedisScript {
  private readonly sha: string;

  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(client: Redis, keys: string[], args: Array<string | number>): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) {
        throw error;
      }
      return client.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}
