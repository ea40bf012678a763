import { UseFilters, UsePipes } from '@nestjs/common';
import { Args, Context, ID, Info, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { CallerService, type GraphQLCallerContext } from '../access/caller.service';
import { JobQueueExceptionFilter } from '../common/job-queue-exception.filter';
import { selectsField } from '../common/selected-fields';
import { validationPipe } from '../common/validation';
import { AttemptsLoader } from './attempts-loader';
import { EnqueueJobInput } from './dto/enqueue-job.input';
import { EnqueueJobsArgs } from './dto/enqueue-jobs.args';
import { JobsArgs } from './dto/jobs.args';
import { encodeJobCursor } from './job-cursor';
import { JobsService } from './jobs.service';
import { JobAttemptModel } from './models/job-attempt.model';
import { JobConnection } from './models/job-connection.model';
import { ProcessingJobModel } from './models/processing-job.model';

@Resolver(() => ProcessingJobModel)
@UseFilters(JobQueueExceptionFilter)
@UsePipes(validationPipe)
export class JobsResolver {
  constructor(
    private readonly jobsService: JobsService,
    private readonly callers: CallerService,
    private readonly attemptsLoader: AttemptsLoader,
  ) {}

  @Query(() => ProcessingJobModel, { nullable: true })
  async job(
    @Args('id', { type: () => ID }) id: string,
    @Context() context: GraphQLCallerContext,
  ): Promise<ProcessingJobModel> {
    return ProcessingJobModel.fromRecord(await this.jobsService.get(id, await this.callers.resolve(context)));
  }

  @Query(() => JobConnection)
  async jobs(
    @Args() args: JobsArgs,
    @Context() context: GraphQLCallerContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<JobConnection> {
    const caller = await this.callers.resolve(context);
    let counting: Promise<number> | null = null;
    const total = () => (counting ??= this.jobsService.count(args.filter, caller));
    // Asked for, the total is counted beside the page: its field resolver would start it once the page is back.
    // Should the page fail first, the query answers with its error alone.
    if (selectsField(info, 'totalCount')) total().catch(() => undefined);
    const page = await this.jobsService.list(args.filter, args.first, args.after, caller);
    const edges = page.jobs.map((job) => ({ cursor: encodeJobCursor(job), node: ProcessingJobModel.fromRecord(job) }));
    return {
      edges,
      pageInfo: {
        hasNextPage: page.hasNextPage,
        hasPreviousPage: page.hasPreviousPage,
        startCursor: edges.at(0)?.cursor ?? null,
        endCursor: edges.at(-1)?.cursor ?? null,
      },
      total,
    };
  }

  @Mutation(() => ProcessingJobModel)
  async enqueueJob(
    @Args('input') input: EnqueueJobInput,
    @Context() context: GraphQLCallerContext,
  ): Promise<ProcessingJobModel> {
    return ProcessingJobModel.fromRecord(await this.jobsService.enqueue(input, await this.callers.resolve(context)));
  }

  @Mutation(() => [ProcessingJobModel])
  async enqueueJobs(
    @Args() { inputs }: EnqueueJobsArgs,
    @Context() context: GraphQLCallerContext,
  ): Promise<ProcessingJobModel[]> {
    const jobs = await this.jobsService.enqueueMany(inputs, await this.callers.resolve(context));
    return jobs.map(ProcessingJobModel.fromRecord);
  }

  @Mutation(() => ProcessingJobModel, {
    description:
      'PENDING or RETRYING: cancelled at once. PROCESSING: the running processor is aborted, then CANCELLED.',
  })
  async cancelJob(
    @Args('id', { type: () => ID }) id: string,
    @Context() context: GraphQLCallerContext,
  ): Promise<ProcessingJobModel> {
    return ProcessingJobModel.fromRecord(await this.jobsService.cancel(id, await this.callers.resolve(context)));
  }

  @Mutation(() => ProcessingJobModel, { description: 'FAILED or CANCELLED back to PENDING for one more attempt.' })
  async retryJob(
    @Args('id', { type: () => ID }) id: string,
    @Context() context: GraphQLCallerContext,
  ): Promise<ProcessingJobModel> {
    return ProcessingJobModel.fromRecord(await this.jobsService.retry(id, await this.callers.resolve(context)));
  }

  /** Batched per request: a page of jobs reads all their attempts in one query. */
  @ResolveField(() => [JobAttemptModel])
  attempts(@Parent() job: ProcessingJobModel, @Context() context: GraphQLCallerContext): Promise<JobAttemptModel[]> {
    return this.attemptsLoader.load(context, job.id);
  }
}
