import { Logger } from '@nestjs/common';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { hkdfSync, randomBytes } from 'node:crypto';
import type { DatabaseConfig, SecurityConfig } from '../../config';

const KEY_BYTES = 32;

/**
 * Purpose-bound keys derived (HKDF-SHA256) from the one master key, so a key used to sign sessions is never
 * the key that encrypts tokens.
 */
export class Keyring {
  readonly tokenEncryptionKey: Buffer;
  readonly sessionSigningKey: Buffer;

  constructor(masterKey: Buffer) {
    if (masterKey.length !== KEY_BYTES) {
      throw new Error(`The master key must be ${KEY_BYTES} bytes`);
    }
    this.tokenEncryptionKey = Keyring.derive(masterKey, 'token-encryption');
    this.sessionSigningKey = Keyring.derive(masterKey, 'session-signing');
  }

  private static derive(masterKey: Buffer, purpose: string): Buffer {
    return Buffer.from(
      hkdfSync('sha256', masterKey, Buffer.alloc(0), `da-twitch-backend:${purpose}`, KEY_BYTES),
    );
  }

  /**
   * APP_ENCRYPTION_KEY when set. Otherwise (SQLite outside production only: the config forbids the rest) a key
   * generated once and kept next to the SQLite file, so restarts can still read the stored tokens.
   */
  static load(
    security: SecurityConfig,
    database: DatabaseConfig,
    logger = new Logger(Keyring.name),
  ): Keyring {
    if (security.encryptionKey) {
      return new Keyring(security.encryptionKey);
    }
    if (database.type !== 'sqlite') {
      throw new Error('APP_ENCRYPTION_KEY is required with PostgreSQL');
    }
    const keyFile = resolve(dirname(resolve(database.path)), 'app-encryption.key');
    if (existsSync(keyFile)) {
      logger.warn(`APP_ENCRYPTION_KEY is not set: using the key kept in ${keyFile}`);
      return new Keyring(Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64'));
    }
    const key = randomBytes(KEY_BYTES);
    mkdirSync(dirname(keyFile), { recursive: true });
    writeFileSync(keyFile, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    logger.warn(
      `APP_ENCRYPTION_KEY is not set: generated a key in ${keyFile}. Back it up with the database, or set APP_ENCRYPTION_KEY (required in production)`,
    );
    return new Keyring(key);
  }
}
