import { Table, TableForeignKey, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/** Written with TypeORM's schema builder so the same migration runs on SQLite and PostgreSQL. */
export class InitialSchema1763780000000 implements MigrationInterface {
  name = 'InitialSchema1763780000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'streamers',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'twitch_id', type: 'varchar', length: '32', isNullable: false },
          { name: 'login', type: 'varchar', length: '64', isNullable: false },
          { name: 'display_name', type: 'varchar', length: '128', isNullable: false },
          { name: 'status', type: 'varchar', length: '16', isNullable: false, default: "'active'" },
          { name: 'created_at', type: 'bigint', isNullable: false },
          { name: 'updated_at', type: 'bigint', isNullable: false },
        ],
        uniques: [{ name: 'uq_streamers_twitch_id', columnNames: ['twitch_id'] }],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'donations',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'streamer_id', type: 'varchar', length: '36', isNullable: false },
          { name: 'provider', type: 'varchar', length: '32', isNullable: false },
          { name: 'external_id', type: 'varchar', length: '64', isNullable: false },
          { name: 'channel', type: 'varchar', length: '16', isNullable: false },
          { name: 'donor_name', type: 'varchar', length: '255', isNullable: true },
          { name: 'amount', type: 'decimal', precision: 12, scale: 2, isNullable: false },
          { name: 'currency', type: 'varchar', length: '8', isNullable: false },
          { name: 'message', type: 'text', isNullable: true },
          { name: 'created_at', type: 'bigint', isNullable: false },
          { name: 'received_at', type: 'bigint', isNullable: false },
        ],
        foreignKeys: [
          new TableForeignKey({
            name: 'fk_donations_streamer',
            columnNames: ['streamer_id'],
            referencedTableName: 'streamers',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          }),
        ],
        indices: [
          new TableIndex({
            name: 'uq_donations_streamer_provider_external',
            columnNames: ['streamer_id', 'provider', 'external_id'],
            isUnique: true,
          }),
          new TableIndex({
            name: 'ix_donations_streamer_created',
            columnNames: ['streamer_id', 'created_at'],
          }),
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'donation_cursors',
        columns: [
          { name: 'streamer_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'last_donation_id', type: 'bigint', isNullable: false },
          { name: 'fencing_token', type: 'bigint', isNullable: false },
          { name: 'updated_at', type: 'bigint', isNullable: false },
        ],
        foreignKeys: [
          new TableForeignKey({
            name: 'fk_donation_cursors_streamer',
            columnNames: ['streamer_id'],
            referencedTableName: 'streamers',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          }),
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'locks',
        columns: [
          { name: 'lock_key', type: 'varchar', length: '191', isPrimary: true },
          { name: 'holder', type: 'varchar', length: '128', isNullable: false },
          { name: 'token', type: 'bigint', isNullable: false },
          { name: 'expires_at', type: 'bigint', isNullable: false },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('locks');
    await queryRunner.dropTable('donation_cursors');
    await queryRunner.dropTable('donations');
    await queryRunner.dropTable('streamers');
  }
}
