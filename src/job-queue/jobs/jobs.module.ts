import { Module } from '@nestjs/common';
import { JobsRepository } from './jobs.repository';
import { JobsResolver } from './jobs.resolver';
import { JobsService } from './jobs.service';
import { RunningJobCanceller } from './running-job-canceller';

@Module({
  providers: [JobsRepository, JobsService, JobsResolver, RunningJobCanceller],
  exports: [JobsService],
})
export class JobsModule {}
