import { Module } from '@nestjs/common';
import { DonationCursorsRepository } from './donation-cursors.repository';
import { TypeOrmDonationCursorsRepository } from './typeorm-donation-cursors.repository';

@Module({
  providers: [{ provide: DonationCursorsRepository, useClass: TypeOrmDonationCursorsRepository }],
  exports: [DonationCursorsRepository],
})
export class DonationsModule {}
