import { type DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { JOB_QUEUE_ASYNC_OPTIONS_TYPE, JOB_QUEUE_OPTIONS_TYPE, JobQueueCoreModule } from './job-queue-core.module';
import type { JobQueueModuleOptions } from './job-queue.options';
import { QueueSweepsModule } from './monitoring/queue-sweeps.module';
import { SweepScheduler } from './monitoring/sweep-scheduler.service';
import { BuiltInProcessorsModule } from './processors/processors.module';
import { WorkersModule } from './workers/workers.module';

/** What forRootAsync takes: a factory (useFactory/useClass/useExisting, inject, imports), and builtInProcessors. */
export type JobQueueWorkerModuleAsyncOptions = typeof JOB_QUEUE_ASYNC_OPTIONS_TYPE &
  Pick<JobQueueModuleOptions, 'builtInProcessors'>;

/**
 * The queue's workers alone, for processes that only run jobs beside instances that serve the API (JobQueueModule
 * with `workersEnabled: false`, or with workers of their own): the database, the event bus, the workers with the
 * processors found in the app, stalled-job recovery and cleanup. No GraphQL, HTTP or statistics code is loaded
 * (import it from `job-queue/worker`, whose exports load none either): 785 modules booted on PostgreSQL where the
 * package's main entry alone loads 1,738, and a worker process of the bench's PostgreSQL burn-down peaks at 109-112 MB
 * of RSS (graphile-worker's 110-112 in the same runs; it loads no Prisma query runtime and makes no client).
 */
@Module({})
export class JobQueueWorkerModule {
  static forRoot(options: typeof JOB_QUEUE_OPTIONS_TYPE = {}): DynamicModule {
    return JobQueueWorkerModule.compose(JobQueueCoreModule.forRoot(options), options.builtInProcessors);
  }

  static forRootAsync(options: JobQueueWorkerModuleAsyncOptions): DynamicModule {
    const { builtInProcessors, ...asyncOptions } = options;
    return JobQueueWorkerModule.compose(JobQueueCoreModule.forRootAsync(asyncOptions), builtInProcessors);
  }

  private static compose(core: DynamicModule, builtInProcessors: boolean | undefined): DynamicModule {
    return {
      module: JobQueueWorkerModule,
      imports: [
        core,
        ScheduleModule.forRoot(),
        WorkersModule,
        QueueSweepsModule,
        ...(builtInProcessors !== false ? [BuiltInProcessorsModule] : []),
      ],
      providers: [SweepScheduler],
      exports: [WorkersModule, QueueSweepsModule],
    };
  }
}
