import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { JobQueueWorkerModule, WorkerPoolService } from '../../src/job-queue/worker';
import type { BenchDatabase } from './databases';
import { NoopProcessor, noopStarts } from './noop-processor';
import { queueOptions } from './ours-settings';
import type { WorkerInstance } from './systems';

/**
 * Ours as a worker-only process (JobQueueWorkerModule: no GraphQL, HTTP or statistics code loaded), as the peers'
 * workers are: the burn-down's worker processes. Imports nothing of the full service, so that its memory is the
 * worker's own.
 */
export async function openOurWorker(db: BenchDatabase): Promise<WorkerInstance> {
  @Module({
    imports: [JobQueueWorkerModule.forRoot({ ...queueOptions(db, false), analyzer: null })],
    providers: [NoopProcessor],
  })
  class BenchWorkerModule {}
  const app = await NestFactory.createApplicationContext(BenchWorkerModule, { logger: ['error'] });
  app.enableShutdownHooks();
  return {
    async start(onStart) {
      noopStarts.listener = onStart ?? null;
      await app.get(WorkerPoolService).startClaiming();
    },
    stop: () => app.close(),
  };
}
