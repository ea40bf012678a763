import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { FileStorageModule } from '../files/file-storage.module';
import { ProgressTrackingModule } from '../progress/progress-tracking.module';
import { RetryModule } from '../retry/retry.module';
import { FileProcessorMetadataAccessor } from './file-processor-metadata.accessor';
import { FileProcessorExplorer } from './file-processor.explorer';
import { FileProcessorRegistry } from './file-processor.registry';
import { CompletionBatcher } from './completion-batcher';
import { JobOutcomesRepository } from './job-outcomes.repository';
import { JobRunner } from './job-runner';
import { WorkerPoolService } from './worker-pool.service';

/** Claims and runs jobs. Loads no API code (GraphQL, HTTP): JobQueueWorkerModule runs it alone. */
@Module({
  imports: [DiscoveryModule, FileStorageModule, ProgressTrackingModule, RetryModule],
  providers: [
    FileProcessorMetadataAccessor,
    FileProcessorRegistry,
    FileProcessorExplorer,
    JobOutcomesRepository,
    CompletionBatcher,
    JobRunner,
    WorkerPoolService,
  ],
  exports: [FileProcessorRegistry, WorkerPoolService, JobOutcomesRepository],
})
export class WorkersModule {}
