import { Module } from '@nestjs/common';
import { DonationAnnouncer } from './donation-announcer';
import { DonationCursorsRepository } from './donation-cursors.repository';
import { DonationIngestor } from './donation-ingestor';
import { DonationsRepository } from './donations.repository';
import { TypeOrmDonationCursorsRepository } from './typeorm-donation-cursors.repository';
import { TypeOrmDonationsRepository } from './typeorm-donations.repository';

@Module({
  providers: [
    { provide: DonationsRepository, useClass: TypeOrmDonationsRepository },
    { provide: DonationCursorsRepository, useClass: TypeOrmDonationCursorsRepository },
    DonationAnnouncer,
    DonationIngestor,
  ],
  exports: [DonationCursorsRepository, DonationIngestor, DonationAnnouncer],
})
export class DonationsModule {}
