import { Inject, Injectable, Logger } from '@nestjs/common';
import type { QueueStore, SavedProgress } from '../database/queue-store';
import { QUEUE_DRIVER } from '../job-queue.constants';

/** Saves running jobs' progress, under the worker's lease (a job taken from this worker is left alone). */
@Injectable()
export class ProgressRepository {
  private readonly logger = new Logger(ProgressRepository.name);

  constructor(@Inject(QUEUE_DRIVER) private readonly store: QueueStore) {}

  /** Never rejects: progress not saved is logged, and the next write or the outcome carries it. */
  async saveMany(workerId: string, progress: SavedProgress[]): Promise<void> {
    try {
      await this.store.saveProgress(workerId, progress);
    } catch (error) {
      const jobs = progress.length === 1 ? progress[0].jobId : `${progress.length} jobs`;
      this.logger.warn(`progress of ${jobs} not saved: ${(error as Error).message}`);
    }
  }
}
