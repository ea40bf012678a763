import { rm } from 'node:fs/promises';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { QueueStore } from '../database/queue-store';
import { FileStorageService } from '../files/file-storage.service';
import { JOB_QUEUE_OPTIONS, QUEUE_DRIVER } from '../job-queue.constants';
import type { ResolvedJobQueueOptions } from '../job-queue.options';

const BATCH = 500;
const HOUR_MS = 3_600_000;

/**
 * Deletes terminal jobs past the retention window, their attempts, and their files once no job needs them: on the
 * driver's statements, so that a worker-only process that runs it makes no Prisma client (see PrismaService.client).
 */
@Injectable()
export class CleanupService {
  private readonly logger = new Logger(CleanupService.name);

  constructor(
    @Inject(QUEUE_DRIVER) private readonly store: QueueStore,
    private readonly storage: FileStorageService,
    @Inject(JOB_QUEUE_OPTIONS) private readonly options: ResolvedJobQueueOptions,
  ) {}

  /**
   * Returns how many jobs were deleted. The cutoff is by the database's clock, which stamped the completion times: an
   * instance whose own clock ran two hours ahead deleted jobs finished a second before under a one-hour retention.
   */
  async cleanup(olderThanHours = this.options.jobRetentionHours, now?: Date): Promise<number> {
    now ??= await this.store.databaseTime();
    const cutoff = new Date(now.getTime() - olderThanHours * HOUR_MS);
    let deleted = 0;
    for (;;) {
      const fileIds = await this.store.deleteFinishedJobs(cutoff, BATCH);
      if (fileIds.length === 0) break;
      deleted += fileIds.length;
      // The rows go first: should the process stop in between, a file without a row is harmless, not the reverse.
      for (const file of await this.store.deleteUnusedFiles([...new Set(fileIds)])) {
        await rm(this.storage.absolutePath(file.storagePath), { force: true });
      }
    }
    if (deleted > 0) this.logger.log(`Deleted ${deleted} job(s) finished before ${cutoff.toISOString()}`);
    return deleted;
  }
}
