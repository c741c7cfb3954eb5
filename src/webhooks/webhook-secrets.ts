import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { InjectConfig, type WebhooksConfig } from '../../config';
import { Clock } from '../../libs/clock';
import { dialectOf, positional, queryRows } from '../../libs/database';
import { TokenCipher } from '../security';

const GLOBAL_SECRET_NAME = 'DA_WEBHOOK_SECRET';

/** A Standard Webhooks secret: `whsec_` and 32 random bytes in base64. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/**
 * The global fallback secret: DA_WEBHOOK_SECRET when set, otherwise one generated once and kept (encrypted) in
 * app_secrets. Whoever inserts first wins and everyone reads back the stored one, so instances and restarts agree.
 */
@Injectable()
export class WebhookSecrets {
  private global?: Promise<string>;
  private readonly configured?: string;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly cipher: TokenCipher,
    private readonly clock: Clock,
    @InjectConfig('webhooks') settings: WebhooksConfig,
  ) {
    this.configured = settings.secret;
  }

  globalSecret(): Promise<string> {
    if (this.configured) {
      return Promise.resolve(this.configured);
    }
    this.global ??= this.loadOrCreate().catch((error: unknown) => {
      this.global = undefined;
      throw error;
    });
    return this.global;
  }

  private async loadOrCreate(): Promise<string> {
    const context = `app-secret:${GLOBAL_SECRET_NAME}`;
    const sql = (text: string) => positional(dialectOf(this.dataSource), text);
    await this.dataSource.query(
      sql('INSERT INTO app_secrets (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING'),
      [GLOBAL_SECRET_NAME, this.cipher.encrypt(generateWebhookSecret(), context), this.clock.now()],
    );
    const [row] = await queryRows<{ value: string }>(
      this.dataSource,
      sql('SELECT value FROM app_secrets WHERE name = ?'),
      [GLOBAL_SECRET_NAME],
    );
    return this.cipher.decrypt(row.value, context);
  }
}
