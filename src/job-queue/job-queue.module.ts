import { type DynamicModule, Module } from '@nestjs/common';
import { FilesModule } from './files/files.module';
import {
  JOB_QUEUE_ASYNC_OPTIONS_TYPE,
  JOB_QUEUE_OPTIONS_TYPE,
  JobQueueCoreModule,
} from './job-queue-core.module';
import { JobsModule } from './jobs/jobs.module';
import { MonitoringModule } from './monitoring/monitoring.module';
import { BuiltInProcessorsModule } from './processors/processors.module';
import { ProgressModule } from './progress/progress.module';
import { RetryModule } from './retry/retry.module';
import { WorkersModule } from './workers/workers.module';

const FEATURE_MODULES = [JobsModule, FilesModule, WorkersModule, ProgressModule, RetryModule, MonitoringModule];

/**
 * The file-processing job queue as one importable module: jobs API (GraphQL resolvers, POST /files), workers,
 * processors discovered from @FileProcessor providers, progress, retry and monitoring.
 *
 * The host app brings GraphQLModule (code-first, with graphql-ws subscriptions); the resolvers here join its schema.
 */
@Module({})
export class JobQueueModule {
  static forRoot(options: typeof JOB_QUEUE_OPTIONS_TYPE = {}): DynamicModule {
    return JobQueueModule.compose(JobQueueCoreModule.forRoot(options), options.builtInProcessors !== false);
  }

  /** Options from a factory (e.g. ConfigService). Built-in processors are registered unless `builtInProcessors: false`. */
  static forRootAsync(options: typeof JOB_QUEUE_ASYNC_OPTIONS_TYPE & { builtInProcessors?: boolean }): DynamicModule {
    const { builtInProcessors, ...asyncOptions } = options;
    return JobQueueModule.compose(JobQueueCoreModule.forRootAsync(asyncOptions), builtInProcessors !== false);
  }

  private static compose(core: DynamicModule, withBuiltIns: boolean): DynamicModule {
    return {
      module: JobQueueModule,
      imports: [core, ...FEATURE_MODULES, ...(withBuiltIns ? [BuiltInProcessorsModule] : [])],
      exports: [JobsModule, FilesModule, WorkersModule, ProgressModule, RetryModule],
    };
  }
}
