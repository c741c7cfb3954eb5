import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type Repository } from 'typeorm';
import { Clock } from '../../libs/clock';
import { TokenCipher } from '../security';
import {
  OAuthCredentialEntity,
  type CredentialStatus,
  type OAuthProvider,
} from './entities/oauth-credential.entity';
import {
  OAuthCredentialsRepository,
  type NewCredential,
  type OAuthCredential,
  type TokenSet,
} from './oauth-credentials.repository';

@Injectable()
export class TypeOrmOAuthCredentialsRepository extends OAuthCredentialsRepository {
  private readonly rows: Repository<OAuthCredentialEntity>;

  constructor(
    @InjectDataSource() dataSource: DataSource,
    private readonly cipher: TokenCipher,
    private readonly clock: Clock,
  ) {
    super();
    this.rows = dataSource.getRepository(OAuthCredentialEntity);
  }

  async find(streamerId: string, provider: OAuthProvider): Promise<OAuthCredential | null> {
    const row = await this.rows.findOneBy({ streamerId, provider });
    return row ? this.open(row) : null;
  }

  async findOwner(provider: OAuthProvider, accountId: string): Promise<string | null> {
    const row = await this.rows.findOne({ where: { provider, accountId }, select: { streamerId: true } });
    return row?.streamerId ?? null;
  }

  async save(credential: NewCredential): Promise<void> {
    const now = this.clock.now();
    await this.rows.upsert(
      {
        streamerId: credential.streamerId,
        provider: credential.provider,
        accountId: credential.accountId,
        scopes: credential.scopes.join(' '),
        ...this.seal(credential.provider, credential),
        status: 'active',
        validatedAt: now,
        createdAt: now,
        updatedAt: now,
      },
      { conflictPaths: ['streamerId', 'provider'] },
    );
  }

  async replaceTokens(
    streamerId: string,
    provider: OAuthProvider,
    tokens: TokenSet,
    expectedUpdatedAt: number,
  ): Promise<boolean> {
    const now = Math.max(this.clock.now(), expectedUpdatedAt + 1);
    const result = await this.rows.update(
      { streamerId, provider, updatedAt: expectedUpdatedAt },
      {
        ...this.seal(provider, tokens),
        ...(tokens.scopes ? { scopes: tokens.scopes.join(' ') } : {}),
        status: 'active',
        updatedAt: now,
      },
    );
    return (result.affected ?? 0) > 0;
  }

  async setStatus(streamerId: string, provider: OAuthProvider, status: CredentialStatus): Promise<void> {
    await this.rows.update({ streamerId, provider }, { status });
  }

  async markValidated(streamerId: string, provider: OAuthProvider, at: number): Promise<void> {
    await this.rows.update({ streamerId, provider }, { validatedAt: at });
  }

  async remove(streamerId: string, provider: OAuthProvider): Promise<void> {
    await this.rows.delete({ streamerId, provider });
  }

  async listActiveStreamerIds(provider: OAuthProvider): Promise<string[]> {
    const rows = await this.rows.find({
      where: { provider, status: 'active' },
      select: { streamerId: true },
    });
    return rows.map((row) => row.streamerId);
  }

  private seal(provider: OAuthProvider, tokens: TokenSet) {
    return {
      accessToken: this.cipher.encrypt(tokens.accessToken, `oauth:${provider}:access`),
      refreshToken: tokens.refreshToken
        ? this.cipher.encrypt(tokens.refreshToken, `oauth:${provider}:refresh`)
        : null,
      expiresAt: tokens.expiresAt,
    };
  }

  private open(row: OAuthCredentialEntity): OAuthCredential {
    return {
      streamerId: row.streamerId,
      provider: row.provider,
      accountId: row.accountId,
      scopes: row.scopes ? row.scopes.split(' ') : [],
      accessToken: this.cipher.decrypt(row.accessToken, `oauth:${row.provider}:access`),
      refreshToken: row.refreshToken
        ? this.cipher.decrypt(row.refreshToken, `oauth:${row.provider}:refresh`)
        : null,
      expiresAt: row.expiresAt,
      status: row.status,
      validatedAt: row.validatedAt,
      updatedAt: row.updatedAt,
    };
  }
}
