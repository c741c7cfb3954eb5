import { Module } from '@nestjs/common';
import { SessionsModule } from '../sessions';
import { StreamersModule } from '../streamers';
import { DonationHistoryController } from './donation-history.controller';
import { DonationHistoryRepository } from './donation-history.repository';
import { DonationHistoryService } from './donation-history.service';
import { GoalsController } from './goals.controller';
import { GoalsRepository } from './goals.repository';
import { GoalsService } from './goals.service';

/** The streamer's control room: the donation history and its export, goals, the stream mark, top donors. */
@Module({
  imports: [SessionsModule, StreamersModule],
  controllers: [GoalsController, DonationHistoryController],
  providers: [DonationHistoryRepository, DonationHistoryService, GoalsRepository, GoalsService],
  exports: [DonationHistoryService, GoalsService],
})
export class ControlRoomModule {}
