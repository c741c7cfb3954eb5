import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@nestjs/common';
import type { DatabaseConfig } from '../../config';
import { Keyring } from './keyring';

describe(Keyring.name, () => {
  let dir: string;
  let sqlite: DatabaseConfig;
  const quiet = { warn: jest.fn() } as unknown as Logger;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'keyring-'));
    const path = join(dir, 'data', 'app.sqlite');
    sqlite = { type: 'sqlite', url: `sqlite:${path}`, path, runMigrations: true, logQueries: false };
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('derives different keys for different purposes from one master key', () => {
    const sut = new Keyring(Buffer.alloc(32, 9));

    expect(sut.tokenEncryptionKey).toHaveLength(32);
    expect(sut.tokenEncryptionKey.equals(sut.sessionSigningKey)).toBe(false);
    expect(sut.tokenEncryptionKey.equals(Buffer.alloc(32, 9))).toBe(false);
    expect(new Keyring(Buffer.alloc(32, 9)).sessionSigningKey.equals(sut.sessionSigningKey)).toBe(true);
  });

  it('uses APP_ENCRYPTION_KEY when it is set and writes no file', () => {
    const sut = Keyring.load({ encryptionKey: Buffer.alloc(32, 3), sessionTtlMs: 1 }, sqlite, quiet);

    expect(sut.tokenEncryptionKey.equals(new Keyring(Buffer.alloc(32, 3)).tokenEncryptionKey)).toBe(true);
    expect(existsSync(join(dir, 'data', 'app-encryption.key'))).toBe(false);
  });

  it('generates a key next to the SQLite file once, private to the owner, and reuses it', () => {
    const first = Keyring.load({ sessionTtlMs: 1 }, sqlite, quiet);
    const keyFile = join(dir, 'data', 'app-encryption.key');
    const second = Keyring.load({ sessionTtlMs: 1 }, sqlite, quiet);

    expect(Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64')).toHaveLength(32);
    expect(statSync(keyFile).mode & 0o077).toBe(0);
    expect(second.tokenEncryptionKey.equals(first.tokenEncryptionKey)).toBe(true);
  });

  it('refuses to invent a key for PostgreSQL', () => {
    const postgres: DatabaseConfig = {
      type: 'postgres',
      url: 'postgres://db/app',
      schema: 'public',
      poolSize: 1,
      runMigrations: true,
      logQueries: false,
    };

    expect(() => Keyring.load({ sessionTtlMs: 1 }, postgres, quiet)).toThrow(/APP_ENCRYPTION_KEY/);
  });
});
