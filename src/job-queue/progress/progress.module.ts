import { Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module';
import { ProgressJobs } from './progress-job';
import { ProgressTrackingModule } from './progress-tracking.module';
import { ProgressResolver } from './progress.resolver';
import { ProgressService } from './progress.service';

@Module({
  imports: [JobsModule, ProgressTrackingModule],
  providers: [ProgressJobs, ProgressService, ProgressResolver],
  exports: [ProgressTrackingModule, ProgressService],
})
export class ProgressModule {}
