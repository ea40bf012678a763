import { type DynamicModule, Module } from '@nestjs/common';
import { FilesModule } from './files/files.module';
import { JOB_QUEUE_ASYNC_OPTIONS_TYPE, JOB_QUEUE_OPTIONS_TYPE, JobQueueCoreModule } from './job-queue-core.module';
import type { JobQueueModuleOptions } from './job-queue.options';
import { JobsModule } from './jobs/jobs.module';
import { MonitoringHttpModule } from './monitoring/http/monitoring-http.module';
import { MonitoringModule } from './monitoring/monitoring.module';
import { BuiltInProcessorsModule } from './processors/processors.module';
import { ProgressModule } from './progress/progress.module';
import { RetryModule } from './retry/retry.module';
import { WebUiModule } from './web-ui/web-ui.module';
import { WorkersModule } from './workers/workers.module';

/** What decides the module's shape (built-in processors, HTTP endpoints, UIs): known before any factory runs. */
export type JobQueueModuleShape = Pick<
  JobQueueModuleOptions,
  'builtInProcessors' | 'httpEndpoints' | 'dashboard' | 'explorer'
>;

/** What forRootAsync takes: a factory (useFactory/useClass/useExisting, inject, imports) and the module's shape. */
export type JobQueueModuleAsyncOptions = typeof JOB_QUEUE_ASYNC_OPTIONS_TYPE & JobQueueModuleShape;

const FEATURE_MODULES = [JobsModule, FilesModule, WorkersModule, ProgressModule, RetryModule, MonitoringModule];

/**
 * The file-processing job queue as one importable module: jobs API (GraphQL resolvers, POST /files), workers,
 * processors discovered from @FileProcessor providers, progress, retry, monitoring, and the browser UIs (/dashboard,
 * /graphiql).
 *
 * The host app brings GraphQLModule (code-first, with graphql-ws subscriptions); the resolvers here join its schema.
 */
@Module({})
export class JobQueueModule {
  static forRoot(options: typeof JOB_QUEUE_OPTIONS_TYPE = {}): DynamicModule {
    return JobQueueModule.compose(JobQueueCoreModule.forRoot(options), options);
  }

  /**
   * Options from a factory (e.g. ConfigService). What decides the module's shape (built-in processors, the HTTP
   * endpoints, the UIs) is given beside the factory, since it must be known before the factory runs.
   */
  static forRootAsync(options: JobQueueModuleAsyncOptions): DynamicModule {
    const { builtInProcessors, httpEndpoints, dashboard, explorer, ...asyncOptions } = options;
    const shape = { builtInProcessors, httpEndpoints, dashboard, explorer };
    return JobQueueModule.compose(JobQueueCoreModule.forRootAsync(asyncOptions), shape);
  }

  private static compose(core: DynamicModule, shape: JobQueueModuleShape): DynamicModule {
    return {
      module: JobQueueModule,
      imports: [
        core,
        ...FEATURE_MODULES,
        ...(shape.builtInProcessors !== false ? [BuiltInProcessorsModule] : []),
        ...(shape.httpEndpoints !== false ? [MonitoringHttpModule] : []),
        WebUiModule.forRoot({ dashboard: shape.dashboard !== false, explorer: shape.explorer !== false }),
      ],
      exports: FEATURE_MODULES,
    };
  }
}
