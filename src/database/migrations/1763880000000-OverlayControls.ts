import { Table, TableForeignKey, type MigrationInterface, type QueryRunner } from 'typeorm';

/** Whether a streamer paused their overlay's queue: kept in the database so a page that (re)connects anywhere, or
 * after a restart, stays paused. Schema builder only: runs on SQLite and PostgreSQL. */
export class OverlayControls1763880000000 implements MigrationInterface {
  name = 'OverlayControls1763880000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'overlay_controls',
        columns: [
          { name: 'streamer_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'paused', type: 'boolean', isNullable: false },
          { name: 'updated_at', type: 'bigint', isNullable: false },
        ],
        foreignKeys: [
          new TableForeignKey({
            name: 'fk_overlay_controls_streamer',
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
    await queryRunner.dropTable('overlay_controls');
  }
}
