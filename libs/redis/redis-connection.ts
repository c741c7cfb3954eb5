import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Redis, type RedisOptions } from 'ioredis';
import { maskRedisUrl } from './redis-url';

export class RedisUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedisUnavailableError';
  }
}

/** What the Redis connection needs from the app that wires it (`RedisModule.forRoot`). */
export interface RedisConnectionOptions {
  /** Unset: single-instance mode. */
  url?: string;
  /** true: refuse to start without a reachable Redis. */
  required: boolean;
  tls: boolean;
  /** Prefix of every key and channel. */
  keyPrefix: string;
  connectTimeoutMs: number;
  /** A command without an answer for this long fails, so a hung connection cannot stall a lock renewal. */
  commandTimeoutMs: number;
}

export type RedisMode = 'redis' | 'single-instance';

/**
 * The process's Redis connection, or its absence. Without Redis the service runs in single-instance mode:
 * locks live in the database and events stay in-process. The mode is decided once, at start.
 */
export class RedisConnection implements OnApplicationShutdown {
  private static readonly logger = new Logger('Redis');
  private readonly extraClients = new Set<Redis>();

  private constructor(
    readonly client: Redis | null,
    readonly keyPrefix: string,
    /** Why the service runs without Redis, for /health; undefined when connected. */
    readonly singleInstanceReason?: string,
    readonly maskedUrl?: string,
  ) {}

  get mode(): RedisMode {
    return this.client ? 'redis' : 'single-instance';
  }

  /**
   * Connects to REDIS_URL. Unreachable or unset Redis stops the boot when REDIS_REQUIRED is true and
   * otherwise yields a connection in single-instance mode, with a warning.
   */
  static async open(config: RedisConnectionOptions): Promise<RedisConnection> {
    if (!config.url) {
      if (config.required) {
        throw new RedisUnavailableError('Redis is required (REDIS_REQUIRED=true) but REDIS_URL is not set');
      }
      const reason = 'REDIS_URL is not set';
      RedisConnection.logger.warn(
        `${reason}: running in single-instance mode (locks in the database, events in-process)`,
      );
      return new RedisConnection(null, config.keyPrefix, reason);
    }
    const maskedUrl = maskRedisUrl(config.url);
    const client = new Redis(config.url, RedisConnection.clientOptions(config));
    let lastError: Error | undefined;
    client.on('error', (error: Error) => {
      lastError = error;
    });
    try {
      await client.connect();
      await client.ping();
    } catch (error) {
      client.disconnect();
      const cause = lastError?.message ?? (error as Error).message;
      if (config.required) {
        throw new RedisUnavailableError(
          `Redis is required (REDIS_REQUIRED=true) but unreachable at ${maskedUrl}: ${cause}`,
        );
      }
      const reason = `Redis unreachable at ${maskedUrl} when the service started (${cause})`;
      RedisConnection.logger.warn(`${reason}: running in single-instance mode`);
      return new RedisConnection(null, config.keyPrefix, reason, maskedUrl);
    }
    client.removeAllListeners('error');
    RedisConnection.watch(client, maskedUrl);
    RedisConnection.logger.log(`Connected to Redis at ${maskedUrl}`);
    return new RedisConnection(client, config.keyPrefix, undefined, maskedUrl);
  }

  private static clientOptions(config: RedisConnectionOptions): RedisOptions {
    return {
      lazyConnect: true,
      connectTimeout: config.connectTimeoutMs,
      commandTimeout: config.commandTimeoutMs,
      // ioredis otherwise keeps a 2 s timer alive after disconnect(), holding the process (and test runs) open.
      disconnectTimeout: 100,
      maxRetriesPerRequest: 3,
      retryStrategy: (attempt) => Math.min(attempt * 200, 5000),
      tls: config.tls ? {} : undefined,
    };
  }

  private static watch(client: Redis, maskedUrl: string): void {
    let healthy = true;
    client.on('error', (error: Error) => {
      if (healthy) {
        RedisConnection.logger.error(`Redis connection error at ${maskedUrl}: ${error.message}`);
        healthy = false;
      }
    });
    client.on('ready', () => {
      if (!healthy) {
        RedisConnection.logger.log(`Redis connection restored at ${maskedUrl}`);
        healthy = true;
      }
    });
  }

  /** A Redis key under this deployment's prefix, so several deployments (or test runs) can share one Redis. */
  key(...parts: Array<string | number>): string {
    return `${this.keyPrefix}${parts.join(':')}`;
  }

  /** A second connection (for example a subscriber), closed together with this one. */
  duplicate(): Redis {
    if (!this.client) {
      throw new RedisUnavailableError('Redis is not configured');
    }
    const copy = this.client.duplicate();
    copy.on('error', () => undefined);
    this.extraClients.add(copy);
    return copy;
  }

  async ping(): Promise<number> {
    if (!this.client) {
      throw new RedisUnavailableError('Redis is not configured');
    }
    const started = performance.now();
    await this.client.ping();
    return performance.now() - started;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  async close(): Promise<void> {
    const clients = [...this.extraClients, ...(this.client ? [this.client] : [])];
    this.extraClients.clear();
    await Promise.all(
      clients.map(async (client) => {
        if (client.status === 'end') {
          return;
        }
        try {
          await client.quit();
        } catch {
          client.disconnect();
        }
      }),
    );
  }
}
