import { UseFilters, UsePipes } from '@nestjs/common';
import { Args, Context, Resolver, Subscription } from '@nestjs/graphql';
import { CallerService, type GraphQLCallerContext } from '../access/caller.service';
import { JobQueueExceptionFilter } from '../common/job-queue-exception.filter';
import { validationPipe } from '../common/validation';
import { JobFilterInput } from './dto/job-filter.input';
import { JobUpdatesService } from './job-updates.service';
import { ProcessingJobModel } from './models/processing-job.model';

@Resolver()
@UseFilters(JobQueueExceptionFilter)
@UsePipes(validationPipe)
export class JobUpdatesResolver {
  constructor(
    private readonly jobUpdates: JobUpdatesService,
    private readonly callers: CallerService,
  ) {}

  @Subscription(() => ProcessingJobModel, {
    description: 'Every status change of jobs matching the filter.',
    resolve: ProcessingJobModel.fromRecord,
  })
  async jobUpdated(
    @Args('filter', { type: () => JobFilterInput, nullable: true }) filter: JobFilterInput | undefined,
    @Context() context: GraphQLCallerContext,
  ) {
    return this.jobUpdates.watch(filter, await this.callers.resolve(context));
  }
}
