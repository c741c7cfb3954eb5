import { Table, TableForeignKey, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Moderation verdicts of donations that a banned word changed (masked, hidden, held for approval, then approved
 * or rejected): one per donation, so the overlay, the TTS and the bot agree on it on every instance. A clean
 * donation has no row. Schema builder only: runs on SQLite and PostgreSQL.
 */
export class DonationModeration1763850000000 implements MigrationInterface {
  name = 'DonationModeration1763850000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'donation_moderation',
        columns: [
          { name: 'donation_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'streamer_id', type: 'varchar', length: '36', isNullable: false },
          { name: 'status', type: 'varchar', length: '16', isNullable: false },
          { name: 'donor_name', type: 'text', isNullable: true },
          { name: 'message', type: 'text', isNullable: true },
          { name: 'created_at', type: 'bigint', isNullable: false },
          { name: 'decided_at', type: 'bigint', isNullable: true },
          { name: 'released_at', type: 'bigint', isNullable: true },
        ],
        foreignKeys: [
          new TableForeignKey({
            name: 'fk_donation_moderation_donation',
            columnNames: ['donation_id'],
            referencedTableName: 'donations',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          }),
        ],
        indices: [
          new TableIndex({
            name: 'idx_donation_moderation_streamer_status',
            columnNames: ['streamer_id', 'status'],
          }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('donation_moderation');
  }
}
