import { Table, TableForeignKey, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The control room: donation goals (several over time, one active per streamer) and the «Начать эфир» mark the
 * top donors of a stream count from. Schema builder only: runs on SQLite and PostgreSQL.
 */
export class Goals1763870000000 implements MigrationInterface {
  name = 'Goals1763870000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const streamerKey = (name: string) =>
      new TableForeignKey({
        name,
        columnNames: ['streamer_id'],
        referencedTableName: 'streamers',
        referencedColumnNames: ['id'],
        onDelete: 'CASCADE',
      });
    await queryRunner.createTable(
      new Table({
        name: 'goals',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'streamer_id', type: 'varchar', length: '36', isNullable: false },
          { name: 'title', type: 'varchar', length: '100', isNullable: false },
          { name: 'target', type: 'decimal', precision: 12, scale: 2, isNullable: false },
          { name: 'currency', type: 'varchar', length: '8', isNullable: false },
          { name: 'starts_at', type: 'bigint', isNullable: false },
          { name: 'active', type: 'boolean', isNullable: false },
          { name: 'created_at', type: 'bigint', isNullable: false },
        ],
        foreignKeys: [streamerKey('fk_goals_streamer')],
        indices: [
          new TableIndex({ name: 'ix_goals_streamer_created', columnNames: ['streamer_id', 'created_at'] }),
          // One active goal per streamer, whatever two requests do at once.
          new TableIndex({
            name: 'uq_goals_active',
            columnNames: ['streamer_id'],
            isUnique: true,
            where: 'active',
          }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'stream_marks',
        columns: [
          { name: 'streamer_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'started_at', type: 'bigint', isNullable: false },
        ],
        foreignKeys: [streamerKey('fk_stream_marks_streamer')],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('stream_marks');
    await queryRunner.dropTable('goals');
  }
}
