import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AuthModule } from '../auth/auth.module';
import { DonationsModule } from '../donations/donations.module';
import { SchedulerModule } from '../scheduler/scheduler.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { ClusterJobsService } from './cluster-jobs.service';

@Module({
  imports: [ScheduleModule.forRoot(), AuthModule, SchedulerModule, DonationsModule, WebhooksModule],
  providers: [ClusterJobsService],
  exports: [ClusterJobsService],
})
export class JobsModule {}
