import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from '../../database';

export const OAUTH_PROVIDERS = ['twitch', 'donationalerts'] as const;
export type OAuthProvider = (typeof OAUTH_PROVIDERS)[number];
export type CredentialStatus = 'active' | 'needs_reauth';

/** A streamer's tokens at one provider. Token columns hold TokenCipher ciphertext, never plaintext. */
@Entity('oauth_credentials')
@Index('uq_oauth_credentials_provider_account', ['provider', 'accountId'], { unique: true })
export class OAuthCredentialEntity {
  @PrimaryColumn({ name: 'streamer_id', type: 'varchar', length: 36 })
  streamerId!: string;

  @PrimaryColumn({ type: 'varchar', length: 32 })
  provider!: OAuthProvider;

  /** The streamer's user id at the provider. */
  @Column({ name: 'account_id', type: 'varchar', length: 64 })
  accountId!: string;

  /** Space-separated granted scopes. */
  @Column({ type: 'varchar', length: 1024 })
  scopes!: string;

  @Column({ name: 'access_token', type: 'text' })
  accessToken!: string;

  @Column({ name: 'refresh_token', type: 'text', nullable: true })
  refreshToken!: string | null;

  @Column({ name: 'expires_at', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  expiresAt!: number | null;

  /** needs_reauth: the provider rejected the tokens and refreshing failed; the streamer must reconnect. */
  @Column({ type: 'varchar', length: 16, default: 'active' })
  status!: CredentialStatus;

  @Column({ name: 'validated_at', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  validatedAt!: number | null;

  @Column({ name: 'created_at', type: 'bigint', transformer: bigintAsNumber })
  createdAt!: number;

  @Column({ name: 'updated_at', type: 'bigint', transformer: bigintAsNumber })
  updatedAt!: number;
}
