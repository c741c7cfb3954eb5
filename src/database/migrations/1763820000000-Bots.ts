import { Table, TableForeignKey, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Chat bots: each streamer's bot settings, and the donations a bot has thanked (claimed before sending, so a
 * donation is thanked once whichever instance runs the bot). Schema builder only: runs on SQLite and PostgreSQL.
 */
export class Bots1763820000000 implements MigrationInterface {
  name = 'Bots1763820000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'bot_settings',
        columns: [
          { name: 'streamer_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'enabled', type: 'boolean', isNullable: false, default: true },
          { name: 'template', type: 'varchar', length: '500', isNullable: true },
          { name: 'thank_test_alerts', type: 'boolean', isNullable: false, default: false },
          { name: 'updated_at', type: 'bigint', isNullable: false },
        ],
        foreignKeys: [
          new TableForeignKey({
            name: 'fk_bot_settings_streamer',
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
        name: 'bot_thank_yous',
        columns: [
          { name: 'donation_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'streamer_id', type: 'varchar', length: '36', isNullable: false },
          { name: 'epoch', type: 'bigint', isNullable: false },
          { name: 'claimed_at', type: 'bigint', isNullable: false },
        ],
        indices: [
          new TableIndex({
            name: 'ix_bot_thank_yous_streamer_claimed',
            columnNames: ['streamer_id', 'claimed_at'],
          }),
        ],
        foreignKeys: [
          new TableForeignKey({
            name: 'fk_bot_thank_yous_donation',
            columnNames: ['donation_id'],
            referencedTableName: 'donations',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('bot_thank_yous');
    await queryRunner.dropTable('bot_settings');
  }
}
