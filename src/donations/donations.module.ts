import { Module } from '@nestjs/common';
import { DonationAnnouncer } from './donation-announcer';
import { DonationCursorsRepository } from './donation-cursors.repository';
import { DonationIngestor } from './donation-ingestor';
import { TypeOrmDonationCursorsRepository } from './typeorm-donation-cursors.repository';

@Module({
  providers: [
    { provide: DonationCursorsRepository, useClass: TypeOrmDonationCursorsRepository },
    DonationAnnouncer,
    DonationIngestor,
  ],
  exports: [DonationCursorsRepository, DonationIngestor, DonationAnnouncer],
})
export class DonationsModule {}
