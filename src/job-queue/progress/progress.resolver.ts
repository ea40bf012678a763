import { UseFilters, UsePipes } from '@nestjs/common';
import { Args, Context, ID, Resolver, Subscription } from '@nestjs/graphql';
import { CallerService, type GraphQLCallerContext } from '../access/caller.service';
import { JobQueueExceptionFilter } from '../common/job-queue-exception.filter';
import { validationPipe } from '../common/validation';
import { JobsService } from '../jobs/jobs.service';
import { ProgressUpdateModel } from './models/progress-update.model';
import type { ProgressUpdate } from './progress-update';
import { ProgressService } from './progress.service';

@Resolver()
@UseFilters(JobQueueExceptionFilter)
@UsePipes(validationPipe)
export class ProgressResolver {
  constructor(
    private readonly progress: ProgressService,
    private readonly jobs: JobsService,
    private readonly callers: CallerService,
  ) {}

  @Subscription(() => ProgressUpdateModel, {
    description: 'Every progress change of one job, ending with its terminal state.',
    resolve: (update: ProgressUpdate) => update,
  })
  async jobProgress(@Args('jobId', { type: () => ID }) jobId: string, @Context() context: GraphQLCallerContext) {
    const job = await this.jobs.get(jobId, await this.callers.resolve(context));
    return this.progress.watch(job);
  }
}
