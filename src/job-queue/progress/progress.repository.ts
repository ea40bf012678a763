import { Inject, Injectable, Logger } from '@nestjs/common';
import type { QueueStore } from '../database/queue-store';
import { QUEUE_DRIVER } from '../job-queue.constants';
import type { ProgressSave } from './progress-writes';

/** Saves running jobs' progress, under the worker's lease (a job taken from this worker is left alone). */
@Injectable()
export class ProgressRepository {
  private readonly logger = new Logger(ProgressRepository.name);

  constructor(@Inject(QUEUE_DRIVER) private readonly store: QueueStore) {}

  /** Never rejects: progress not saved is logged, and the next write or the outcome carries it. */
  async saveMany(workerId: string, saves: ProgressSave[]): Promise<void> {
    try {
      const progress = saves.map(({ jobId, snapshot: { stage, progress, bytesProcessed } }) => ({
        jobId,
        stage,
        progress,
        bytesProcessed,
      }));
      await this.store.saveProgress(workerId, progress);
    } catch (error) {
      const jobs = saves.length === 1 ? saves[0].jobId : `${saves.length} jobs`;
      this.logger.warn(`progress of ${jobs} not saved: ${(error as Error).message}`);
    }
  }
}
