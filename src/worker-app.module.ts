import { type DynamicModule, Module } from '@nestjs/common';
import type { LogSettings } from './observability/logging';
import { ObservabilityModule } from './observability/observability.module';
import { JobQueueWorkerModule, type JobQueueModuleOptions } from './job-queue/worker';

/** What the worker process reads from the environment (config/worker-environment.ts). */
export interface WorkerConfig {
  logging: LogSettings;
  jobQueue: JobQueueModuleOptions;
}

/**
 * The standalone worker process (`npm run start:worker`): the queue's workers with the built-in processors and the
 * sweeps (JobQueueWorkerModule), logging and tracing as the server's; no GraphQL or HTTP. It always runs workers:
 * WORKERS_ENABLED, which makes a server API-only, is for the servers beside it.
 */
@Module({})
export class WorkerAppModule {
  static forRoot(config: WorkerConfig): DynamicModule {
    return {
      module: WorkerAppModule,
      imports: [
        ObservabilityModule.forRoot(config.logging),
        JobQueueWorkerModule.forRoot({ ...config.jobQueue, workersEnabled: true }),
      ],
    };
  }
}
