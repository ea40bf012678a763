import { UseFilters, UsePipes } from '@nestjs/common';
import { Args, Context, ID, Parent, ResolveField, Resolver, Subscription } from '@nestjs/graphql';
import { CallerService, type GraphQLCallerContext } from '../access/caller.service';
import { JobQueueExceptionFilter } from '../common/job-queue-exception.filter';
import { validationPipe } from '../common/validation';
import { JobsService } from '../jobs/jobs.service';
import { ProcessingJobModel } from '../jobs/models/processing-job.model';
import { ProgressUpdateModel } from './models/progress-update.model';
import { ProgressJobs } from './progress-job';
import type { ProgressUpdate } from './progress-update';
import { ProgressService } from './progress.service';

@Resolver(() => ProgressUpdateModel)
@UseFilters(JobQueueExceptionFilter)
@UsePipes(validationPipe)
export class ProgressResolver {
  constructor(
    private readonly progress: ProgressService,
    private readonly jobs: JobsService,
    private readonly callers: CallerService,
    private readonly progressJobs: ProgressJobs,
  ) {}

  @Subscription(() => ProgressUpdateModel, {
    description: 'Every progress change of one job, ending with its terminal state.',
    resolve: (update: ProgressUpdate) => update,
  })
  async jobProgress(@Args('jobId', { type: () => ID }) jobId: string, @Context() context: GraphQLCallerContext) {
    const job = await this.jobs.get(jobId, await this.callers.resolve(context));
    return this.progress.watch(job);
  }

  @ResolveField(() => ProcessingJobModel, {
    description: 'The job as it stands at this update (id, status, stage, progress, ...), for client caches.',
  })
  job(@Parent() update: ProgressUpdate): Promise<ProcessingJobModel> {
    return this.progressJobs.jobAt(update);
  }
}
