import { Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module';
import { ProgressJobs } from './progress-job';
import { ProgressTrackerService } from './progress-tracker.service';
import { ProgressRepository } from './progress.repository';
import { ProgressResolver } from './progress.resolver';
import { ProgressService } from './progress.service';

@Module({
  imports: [JobsModule],
  providers: [ProgressJobs, ProgressRepository, ProgressTrackerService, ProgressService, ProgressResolver],
  exports: [ProgressTrackerService, ProgressService],
})
export class ProgressModule {}
