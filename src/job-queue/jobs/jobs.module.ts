import { Module } from '@nestjs/common';
import { AttemptsLoader } from './attempts-loader';
import { DurationEstimates } from './duration-estimates';
import { JobConnectionResolver } from './job-connection.resolver';
import { JobUpdatesResolver } from './job-updates.resolver';
import { JobUpdatesService } from './job-updates.service';
import { JobsRepository } from './jobs.repository';
import { JobsResolver } from './jobs.resolver';
import { JobsService } from './jobs.service';
import { RunningJobCanceller } from './running-job-canceller';

@Module({
  providers: [
    AttemptsLoader,
    DurationEstimates,
    JobsRepository,
    JobsService,
    JobsResolver,
    JobConnectionResolver,
    RunningJobCanceller,
    JobUpdatesService,
    JobUpdatesResolver,
  ],
  exports: [JobsService, JobUpdatesService],
})
export class JobsModule {}
