import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AlertsModule } from '../alerts';
import { AuthModule } from '../auth';
import { BotsModule } from '../bots';
import { DonationsModule } from '../donations';
import { OverlayModule } from '../overlay';
import { RealtimeModule } from '../realtime';
import { SchedulerModule } from '../scheduler';
import { WebhooksModule } from '../webhooks';
import { ClusterJobsService } from './cluster-jobs.service';

@Module({
  imports: [
    ScheduleModule.forRoot(),
    AlertsModule,
    AuthModule,
    SchedulerModule,
    DonationsModule,
    WebhooksModule,
    RealtimeModule,
    BotsModule,
    OverlayModule,
  ],
  providers: [ClusterJobsService],
  exports: [ClusterJobsService],
})
export class JobsModule {}
