import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { FilesModule } from '../files/files.module';
import { ProgressModule } from '../progress/progress.module';
import { RetryModule } from '../retry/retry.module';
import { FileProcessorMetadataAccessor } from './file-processor-metadata.accessor';
import { FileProcessorExplorer } from './file-processor.explorer';
import { FileProcessorRegistry } from './file-processor.registry';
import { CompletionBatcher } from './completion-batcher';
import { JobOutcomesRepository } from './job-outcomes.repository';
import { JobRunner } from './job-runner';
import { WorkerPoolService } from './worker-pool.service';

@Module({
  imports: [DiscoveryModule, FilesModule, ProgressModule, RetryModule],
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
