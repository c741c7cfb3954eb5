import { randomBytes } from 'node:crypto';
import { Table, TableForeignKey, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Streamers get an avatar and an overlay token; OAuth credentials (Twitch, DonationAlerts) get their own table.
 * Columns are added with plain ALTER TABLE, which both databases run in place.
 */
export class StreamerOnboarding1763790000000 implements MigrationInterface {
  name = 'StreamerOnboarding1763790000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const postgres = queryRunner.connection.options.type === 'postgres';
    await queryRunner.query('ALTER TABLE streamers ADD COLUMN avatar_url varchar(512)');
    await queryRunner.query('ALTER TABLE streamers ADD COLUMN overlay_token varchar(64)');
    const existing = (await queryRunner.query('SELECT id FROM streamers')) as Array<{ id: string }>;
    for (const { id } of existing) {
      await queryRunner.query(
        postgres
          ? 'UPDATE streamers SET overlay_token = $1 WHERE id = $2'
          : 'UPDATE streamers SET overlay_token = ? WHERE id = ?',
        [randomBytes(24).toString('base64url'), id],
      );
    }
    await queryRunner.createIndex(
      'streamers',
      new TableIndex({ name: 'uq_streamers_overlay_token', columnNames: ['overlay_token'], isUnique: true }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'oauth_credentials',
        columns: [
          { name: 'streamer_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'provider', type: 'varchar', length: '32', isPrimary: true },
          { name: 'account_id', type: 'varchar', length: '64', isNullable: false },
          { name: 'scopes', type: 'varchar', length: '1024', isNullable: false },
          { name: 'access_token', type: 'text', isNullable: false },
          { name: 'refresh_token', type: 'text', isNullable: true },
          { name: 'expires_at', type: 'bigint', isNullable: true },
          { name: 'status', type: 'varchar', length: '16', isNullable: false, default: "'active'" },
          { name: 'validated_at', type: 'bigint', isNullable: true },
          { name: 'created_at', type: 'bigint', isNullable: false },
          { name: 'updated_at', type: 'bigint', isNullable: false },
        ],
        foreignKeys: [
          new TableForeignKey({
            name: 'fk_oauth_credentials_streamer',
            columnNames: ['streamer_id'],
            referencedTableName: 'streamers',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          }),
        ],
        indices: [
          new TableIndex({
            name: 'uq_oauth_credentials_provider_account',
            columnNames: ['provider', 'account_id'],
            isUnique: true,
          }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('oauth_credentials');
    await queryRunner.dropIndex('streamers', 'uq_streamers_overlay_token');
    await queryRunner.query('ALTER TABLE streamers DROP COLUMN overlay_token');
    await queryRunner.query('ALTER TABLE streamers DROP COLUMN avatar_url');
  }
}
