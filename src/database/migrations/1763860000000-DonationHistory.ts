import { TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/** The donation history reads a streamer's donations newest first, by (received_at, id): keyset pages. */
export class DonationHistory1763860000000 implements MigrationInterface {
  name = 'DonationHistory1763860000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createIndex(
      'donations',
      new TableIndex({
        name: 'ix_donations_streamer_received',
        columnNames: ['streamer_id', 'received_at', 'id'],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('donations', 'ix_donations_streamer_received');
  }
}
