import { Inject, UseFilters, UsePipes } from '@nestjs/common';
import { Args, Context, Int, Mutation, Query, Resolver, Subscription } from '@nestjs/graphql';
import type { PubSubEngine } from 'graphql-subscriptions';
import { CallerService, type GraphQLCallerContext } from '../common/caller.service';
import { JobQueueExceptionFilter } from '../common/job-queue-exception.filter';
import { validationPipe } from '../common/validation';
import { JOB_EVENT_BUS } from '../job-queue.constants';
import { ProcessingJobModel } from '../jobs/models/processing-job.model';
import { CleanupService } from './cleanup.service';
import { CleanupJobsArgs } from './dto/cleanup-jobs.args';
import { HealthService } from './health.service';
import { JobStats } from './models/job-stats.model';
import { QueueHealth } from './models/queue-health.model';
import { QUEUE_HEALTH_TOPIC } from './monitoring.service';
import { StalledJobsService } from './stalled-jobs.service';
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
    @Inject(JOB_EVENT_BUS) private readonly bus: PubSubEngine,
  ) {}

  @Query(() => JobStats)
  async jobStats(@Context() context: GraphQLCallerContext): Promise<JobStats> {
    return this.stats.jobStats(await this.callers.resolve(context));
  }

  @Query(() => QueueHealth)
  queueHealth(): Promise<QueueHealth> {
    return this.health.check();
  }

  @Query(() => [ProcessingJobModel], { description: 'PROCESSING jobs whose lease ran out.' })
  async stalledJobs(): Promise<ProcessingJobModel[]> {
    return (await this.stalled.findStalled()).map(ProcessingJobModel.fromRecord);
  }

  @Mutation(() => Int, { description: 'Returns how many stalled PROCESSING jobs were put back to be run again.' })
  recoverStalledJobs(): Promise<number> {
    return this.stalled.recover();
  }

  @Mutation(() => Int, {
    description: 'Deletes COMPLETED, FAILED and CANCELLED jobs older than the retention window; returns how many.',
  })
  cleanupJobs(@Args() { olderThanHours }: CleanupJobsArgs): Promise<number> {
    return this.cleanup.cleanup(olderThanHours);
  }

  @Subscription(() => QueueHealth, {
    description: "Each periodic health check's result.",
    resolve: (health: QueueHealth) => ({ ...health, checkedAt: new Date(health.checkedAt) }),
  })
  queueHealthChanged() {
    return this.bus.asyncIterableIterator(QUEUE_HEALTH_TOPIC);
  }
}
