import { rm } from 'node:fs/promises';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { TERMINAL_STATUSES } from '../common/job.enums';
import { PrismaService } from '../database/prisma.service';
import { FileStorageService } from '../files/file-storage.service';
import { JOB_QUEUE_OPTIONS } from '../job-queue.constants';
import type { ResolvedJobQueueOptions } from '../job-queue.options';

const BATCH = 500;
const HOUR_MS = 3_600_000;

/** Deletes terminal jobs past the retention window, their attempts, and their files once no job needs them. */
@Injectable()
export class CleanupService {
  private readonly logger = new Logger(CleanupService.name);

  constructor(
    private readonly prisma: PrismaService,
    private readonly storage: FileStorageService,
    @Inject(JOB_QUEUE_OPTIONS) private readonly options: ResolvedJobQueueOptions,
  ) {}

  /** Returns how many jobs were deleted. */
  async cleanup(olderThanHours = this.options.jobRetentionHours, now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - olderThanHours * HOUR_MS);
    const db = this.prisma.client;
    let deleted = 0;
    for (;;) {
      const jobs = await db.processingJob.findMany({
        where: { status: { in: [...TERMINAL_STATUSES] }, completedAt: { lt: cutoff } },
        select: { id: true, fileId: true },
        take: BATCH,
      });
      if (jobs.length === 0) break;
      const ids = jobs.map((job) => job.id);
      await db.$transaction([
        db.jobAttempt.deleteMany({ where: { jobId: { in: ids } } }),
        db.processingJob.deleteMany({ where: { id: { in: ids } } }),
      ]);
      deleted += ids.length;
      await this.removeOrphanedFiles([...new Set(jobs.map((job) => job.fileId))]);
    }
    if (deleted > 0) this.logger.log(`Deleted ${deleted} job(s) finished before ${cutoff.toISOString()}`);
    return deleted;
  }

  private async removeOrphanedFiles(fileIds: string[]): Promise<void> {
    const db = this.prisma.client;
    const stillNeeded = await db.processingJob.findMany({
      where: { fileId: { in: fileIds } },
      select: { fileId: true },
      distinct: ['fileId'],
    });
    const needed = new Set(stillNeeded.map((job) => job.fileId));
    const orphans = await db.storedFile.findMany({ where: { id: { in: fileIds.filter((id) => !needed.has(id)) } } });
    for (const file of orphans) {
      // The row goes first: should the process stop in between, a file without a row is harmless, not the reverse.
      const { count } = await db.storedFile.deleteMany({ where: { id: file.id, jobs: { none: {} } } });
      if (count === 1) await rm(this.storage.absolutePath(file.storagePath), { force: true });
    }
  }
}
