import { Module } from '@nestjs/common';
import { Clock } from '../../libs/clock';
import { redisOrMemory } from '../../libs/redis';
import { DonationAnnouncer } from './donation-announcer';
import { DonationCursorsRepository } from './donation-cursors.repository';
import { DonationIngestor } from './donation-ingestor';
import { DonationsRepository } from './donations.repository';
import { MemoryPushActivity, PushActivity, RedisPushActivity } from './push-activity';
import { TypeOrmDonationCursorsRepository } from './typeorm-donation-cursors.repository';
import { TypeOrmDonationsRepository } from './typeorm-donations.repository';

@Module({
  providers: [
    { provide: DonationsRepository, useClass: TypeOrmDonationsRepository },
    { provide: DonationCursorsRepository, useClass: TypeOrmDonationCursorsRepository },
    DonationAnnouncer,
    DonationIngestor,
    redisOrMemory<PushActivity, [Clock]>(PushActivity, {
      redis: (redis, clock) => new RedisPushActivity(redis, clock),
      memory: (clock) => new MemoryPushActivity(clock),
      inject: [Clock],
    }),
  ],
  exports: [
    DonationCursorsRepository,
    DonationsRepository,
    DonationIngestor,
    DonationAnnouncer,
    PushActivity,
  ],
})
export class DonationsModule {}
