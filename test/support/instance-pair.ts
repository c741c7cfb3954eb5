import type { Environment } from '../../config';
import type { StreamerEntity } from '../../src/streamers/entities/streamer.entity';
import { StreamersRepository } from '../../src/streamers/streamers.repository';
import { bootApp, INSTANCE_TEST_ENV, type ListeningTestApp } from './app';
import { createBackingServices, type BackingServices, type Deployment } from './deployments';

/**
 * One deployment with the instances a cluster test needs: `app`, and `other`, a second instance on the same
 * database and Redis with PostgreSQL + Redis (on SQLite, a single instance: `other` is `app`).
 */
export interface InstancePair {
  services: BackingServices;
  app: ListeningTestApp;
  other: ListeningTestApp;
  close(): Promise<void>;
}

export async function bootInstancePair(deployment: Deployment, env: Environment = {}): Promise<InstancePair> {
  const services = await createBackingServices(deployment);
  const app = await bootApp({ ...INSTANCE_TEST_ENV, ...services.env, ...env }, { listen: true });
  const other =
    deployment === 'postgres+redis'
      ? await bootApp(
          { ...INSTANCE_TEST_ENV, ...services.env, ...env, DB_RUN_MIGRATIONS: 'false' },
          { listen: true },
        )
      : app;
  return {
    services,
    app,
    other,
    close: async () => {
      if (other !== app) {
        await other.close();
      }
      await app.close();
      await services.close();
    },
  };
}

let streamerNumber = 0;

/** A streamer with a fresh Twitch id and login (`prefix` + a number), and an overlay token. */
export function createStreamer(on: ListeningTestApp, prefix: string): Promise<StreamerEntity> {
  streamerNumber += 1;
  const n = `${streamerNumber}${Date.now() % 1_000_000}`;
  return on.app.get(StreamersRepository).create({
    twitchId: `${prefix}${n}`,
    login: `${prefix}${n}`,
    displayName: `${prefix.toUpperCase()}${n}`,
  });
}
