import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AuthModule } from '../auth/auth.module';
import { ClusterJobsService } from './cluster-jobs.service';

@Module({
  imports: [ScheduleModule.forRoot(), AuthModule],
  providers: [ClusterJobsService],
  exports: [ClusterJobsService],
})
export class JobsModule {}
