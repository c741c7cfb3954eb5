import { Table, TableForeignKey, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Webhook registrations (one per streamer, secret encrypted at rest), the delivery ids seen recently (replay
 * protection for Standard Webhooks), and secrets the application generates itself (DA_WEBHOOK_SECRET when unset),
 * so every instance and restart shares them. Schema builder only: runs on SQLite and PostgreSQL.
 */
export class Webhooks1763810000000 implements MigrationInterface {
  name = 'Webhooks1763810000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'webhook_registrations',
        columns: [
          { name: 'streamer_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'url', type: 'varchar', length: '2048', isNullable: false },
          { name: 'secret', type: 'text', isNullable: false },
          { name: 'created_at', type: 'bigint', isNullable: false },
          { name: 'rotated_at', type: 'bigint', isNullable: true },
          { name: 'last_delivery_at', type: 'bigint', isNullable: true },
          { name: 'deliveries', type: 'bigint', isNullable: false, default: 0 },
          { name: 'rejections', type: 'varchar', length: '2048', isNullable: false, default: "'{}'" },
        ],
        foreignKeys: [
          new TableForeignKey({
            name: 'fk_webhook_registrations_streamer',
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
        name: 'webhook_deliveries',
        columns: [
          { name: 'delivery_id', type: 'varchar', length: '255', isPrimary: true },
          { name: 'streamer_id', type: 'varchar', length: '36', isNullable: false },
          { name: 'received_at', type: 'bigint', isNullable: false },
        ],
        indices: [new TableIndex({ name: 'ix_webhook_deliveries_received', columnNames: ['received_at'] })],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'app_secrets',
        columns: [
          { name: 'name', type: 'varchar', length: '64', isPrimary: true },
          { name: 'value', type: 'text', isNullable: false },
          { name: 'created_at', type: 'bigint', isNullable: false },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('app_secrets');
    await queryRunner.dropTable('webhook_deliveries');
    await queryRunner.dropTable('webhook_registrations');
  }
}
