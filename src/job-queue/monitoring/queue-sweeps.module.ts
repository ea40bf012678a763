import { Module } from '@nestjs/common';
import { FileStorageModule } from '../files/file-storage.module';
import { RetryModule } from '../retry/retry.module';
import { WorkersModule } from '../workers/workers.module';
import { CleanupService } from './cleanup.service';
import { StalledJobsService } from './stalled-jobs.service';
import { SweepLock } from './sweep-lock';

/** The sweeps that keep the queue sound (stalled-job recovery, cleanup), without statistics or GraphQL. */
@Module({
  imports: [WorkersModule, RetryModule, FileStorageModule],
  providers: [StalledJobsService, CleanupService, SweepLock],
  exports: [StalledJobsService, CleanupService, SweepLock],
})
export class QueueSweepsModule {}
