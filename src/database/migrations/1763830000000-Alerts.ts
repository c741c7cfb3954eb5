import { Table, TableForeignKey, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The alert box: each streamer's alert settings (text, minimums, tiers, TTS, moderation) as one JSON document.
 * Schema builder only: runs on SQLite and PostgreSQL.
 */
export class Alerts1763830000000 implements MigrationInterface {
  name = 'Alerts1763830000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'alert_settings',
        columns: [
          { name: 'streamer_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'settings', type: 'text', isNullable: false },
          { name: 'updated_at', type: 'bigint', isNullable: false },
        ],
        foreignKeys: [
          new TableForeignKey({
            name: 'fk_alert_settings_streamer',
            columnNames: ['streamer_id'],
            referencedTableName: 'streamers',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('alert_settings');
  }
}
