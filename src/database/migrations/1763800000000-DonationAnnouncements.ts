import { TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * `announced_at` makes the donations table its own outbox: a donation stored but not yet announced (the process
 * died between commit and publish) is found and announced again, so none is lost.
 */
export class DonationAnnouncements1763800000000 implements MigrationInterface {
  name = 'DonationAnnouncements1763800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE donations ADD COLUMN announced_at bigint');
    await queryRunner.query('UPDATE donations SET announced_at = received_at');
    await queryRunner.createIndex(
      'donations',
      new TableIndex({ name: 'ix_donations_unannounced', columnNames: ['announced_at', 'received_at'] }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('donations', 'ix_donations_unannounced');
    await queryRunner.query('ALTER TABLE donations DROP COLUMN announced_at');
  }
}
