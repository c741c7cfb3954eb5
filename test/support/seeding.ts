import type { DataSource } from 'typeorm';
import { SystemClock } from '../../libs/clock';
import { TypeOrmOAuthCredentialsRepository } from '../../src/oauth/typeorm-oauth-credentials.repository';
import { Keyring, TokenCipher } from '../../src/security';
import { TypeOrmStreamersRepository } from '../../src/streamers/typeorm-streamers.repository';
import { TEST_ENCRYPTION_KEY } from './app';

/** The app's own repositories on a database that instances running as separate processes share. */
export interface SeedingRepositories {
  clock: SystemClock;
  streamers: TypeOrmStreamersRepository;
  /** Encrypts under TEST_ENCRYPTION_KEY, the key every test instance starts with, as the login flows store them. */
  credentials: TypeOrmOAuthCredentialsRepository;
}

export function seedingRepositories(dataSource: DataSource): SeedingRepositories {
  const clock = new SystemClock();
  return {
    clock,
    streamers: new TypeOrmStreamersRepository(dataSource, clock),
    credentials: new TypeOrmOAuthCredentialsRepository(
      dataSource,
      new TokenCipher(new Keyring(Buffer.from(TEST_ENCRYPTION_KEY, 'base64'))),
      clock,
    ),
  };
}
