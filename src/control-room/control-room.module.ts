import { Module } from '@nestjs/common';
import { SessionsModule } from '../sessions';
import { StreamersModule } from '../streamers';
import { DonationHistoryController } from './donation-history.controller';
import { DonationHistoryRepository } from './donation-history.repository';
import { DonationHistoryService } from './donation-history.service';

/** The streamer's control room data: the donation history and its export. */
@Module({
  imports: [SessionsModule, StreamersModule],
  controllers: [DonationHistoryController],
  providers: [DonationHistoryRepository, DonationHistoryService],
  exports: [DonationHistoryService],
})
export class ControlRoomModule {}
