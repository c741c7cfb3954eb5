import { Table, TableForeignKey, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Images and sounds streamers upload for their alert tiers, bytes included, so every instance serves them from
 * the one database. Schema builder only; the bytes column is `bytea` on PostgreSQL and `blob` on SQLite.
 */
export class AlertMedia1763840000000 implements MigrationInterface {
  name = 'AlertMedia1763840000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const postgres = queryRunner.connection.options.type === 'postgres';
    await queryRunner.createTable(
      new Table({
        name: 'alert_media',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'streamer_id', type: 'varchar', length: '36', isNullable: false },
          { name: 'kind', type: 'varchar', length: '8', isNullable: false },
          { name: 'mime_type', type: 'varchar', length: '32', isNullable: false },
          { name: 'size', type: 'integer', isNullable: false },
          { name: 'sha256', type: 'varchar', length: '64', isNullable: false },
          { name: 'name', type: 'varchar', length: '200', isNullable: false },
          { name: 'data', type: postgres ? 'bytea' : 'blob', isNullable: false },
          { name: 'created_at', type: 'bigint', isNullable: false },
        ],
        indices: [
          new TableIndex({
            name: 'ix_alert_media_streamer_created',
            columnNames: ['streamer_id', 'created_at'],
          }),
        ],
        foreignKeys: [
          new TableForeignKey({
            name: 'fk_alert_media_streamer',
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
    await queryRunner.dropTable('alert_media');
  }
}
