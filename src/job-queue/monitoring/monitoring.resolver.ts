import { UseFilters, UsePipes } from '@nestjs/common';
import { Args, Context, Int, Mutation, Query, Resolver, Subscription } from '@nestjs/graphql';
import { requireAdmin } from '../common/admin-only';
import { CallerService, type GraphQLCallerContext } from '../access/caller.service';
import { JobQueueExceptionFilter } from '../common/job-queue-exception.filter';
import { validationPipe } from '../common/validation';
import { JobEventBus } from '../events/job-event-bus';
import { JobTopics } from '../events/job-events';
import { ProcessingJobModel } from '../jobs/models/processing-job.model';
import { CleanupService } from './cleanup.service';
import { CleanupJobsArgs } from './dto/cleanup-jobs.args';
import { OutcomeSeriesArgs } from './dto/outcome-series.args';
import { HealthService } from './health.service';
import { OutcomeBucket } from './models/outcome-bucket.model';
import { JobStats } from './models/job-stats.model';
import { QueueHealth } from './models/queue-health.model';
import { StalledJobsService } from './stalled-jobs.service';
import { OutcomeSeriesService } from './outcome-series.service';
import { StatsService } from './stats.service';

@Resolver()
@UseFilters(JobQueueExceptionFilter)
@UsePipes(validationPipe)
export class MonitoringResolver {
  constructor(
    private readonly stats: StatsService,
    private readonly health: HealthService,
    private readonly stalled: StalledJobsService,
    private readonly cleanup: CleanupService,
    private readonly callers: CallerService,
    private readonly bus: JobEventBus,
    private readonly outcomes: OutcomeSeriesService,
  ) {}

  @Query(() => JobStats)
  async jobStats(@Context() context: GraphQLCallerContext): Promise<JobStats> {
    return this.stats.jobStats(await this.callers.resolve(context));
  }

  @Query(() => [OutcomeBucket], {
    description:
      "Jobs that reached COMPLETED or FAILED per period, oldest first, zeros included; the caller's own for a non-admin.",
  })
  async jobOutcomes(
    @Args() args: OutcomeSeriesArgs,
    @Context() context: GraphQLCallerContext,
  ): Promise<OutcomeBucket[]> {
    return this.outcomes.series(await this.callers.resolve(context), args);
  }

  @Query(() => QueueHealth, {
    description: "The whole queue's health for an admin; anyone else's is over their own jobs.",
  })
  async queueHealth(@Context() context: GraphQLCallerContext): Promise<QueueHealth> {
    return this.health.checkFor(await this.callers.resolve(context));
  }

  @Query(() => [ProcessingJobModel], { description: 'PROCESSING jobs whose lease ran out. Admins only.' })
  async stalledJobs(@Context() context: GraphQLCallerContext): Promise<ProcessingJobModel[]> {
    await this.admin(context, 'stalledJobs');
    return (await this.stalled.findStalled()).map(ProcessingJobModel.fromRecord);
  }

  @Mutation(() => Int, {
    description: 'Returns how many stalled PROCESSING jobs were put back to be run again. Admins only.',
  })
  async recoverStalledJobs(@Context() context: GraphQLCallerContext): Promise<number> {
    await this.admin(context, 'recoverStalledJobs');
    return this.stalled.recover();
  }

  @Mutation(() => Int, {
    description:
      'Deletes COMPLETED, FAILED and CANCELLED jobs older than the retention window; returns how many. Admins only.',
  })
  async cleanupJobs(
    @Args() { olderThanHours }: CleanupJobsArgs,
    @Context() context: GraphQLCallerContext,
  ): Promise<number> {
    await this.admin(context, 'cleanupJobs');
    return this.cleanup.cleanup(olderThanHours);
  }

  @Subscription(() => QueueHealth, {
    description: "The whole queue's health at once, then each periodic health check's result. Admins only.",
    resolve: (health: QueueHealth) => ({ ...health, checkedAt: new Date(health.checkedAt) }),
  })
  async queueHealthChanged(@Context() context: GraphQLCallerContext) {
    await this.admin(context, 'queueHealthChanged');
    // Listening starts before the current health is read, so no check published meanwhile is lost.
    const changes = this.bus.iterate(JobTopics.queueHealth);
    return currentThenNewer(this.health.check(), changes);
  }

  private async admin(context: GraphQLCallerContext, operation: string): Promise<void> {
    requireAdmin(await this.callers.resolve(context), operation);
  }
}

/**
 * A subscriber sees the health at once (not up to a check interval later), then every check newer than the last it
 * saw. A scheduled check that began before the subscriber's own and finished after it arrives second, older: seen,
 * it turned the health back in time (a PostgreSQL test run once received 12 ms older health as the second update).
 */
async function* currentThenNewer(
  current: Promise<QueueHealth>,
  changes: AsyncIterableIterator<Record<string, unknown>>,
): AsyncGenerator<QueueHealth | Record<string, unknown>> {
  // A Date here, its JSON off the bus.
  const checkedAt = (health: { checkedAt?: unknown }) => new Date(health.checkedAt as Date | string).getTime();
  try {
    const first = await current;
    yield first;
    let latest = checkedAt(first);
    for await (const health of changes) {
      if (checkedAt(health) < latest) continue;
      latest = checkedAt(health);
      yield health;
    }
  } finally {
    await changes.return?.();
  }
}
