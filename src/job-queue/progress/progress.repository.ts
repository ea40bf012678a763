import { Inject, Injectable, Logger } from '@nestjs/common';
import type { QueueStore } from '../database/queue-store';
import { QUEUE_DRIVER } from '../job-queue.constants';
import type { ProgressSnapshot } from '../processor-contract/progress-reporter';

/** Saves a running job's progress, under the worker's lease (a job taken from this worker is left alone). */
@Injectable()
export class ProgressRepository {
  private readonly logger = new Logger(ProgressRepository.name);

  constructor(@Inject(QUEUE_DRIVER) private readonly store: QueueStore) {}

  async save(jobId: string, workerId: string, snapshot: ProgressSnapshot): Promise<void> {
    try {
      await this.store.saveProgress(jobId, workerId, snapshot);
    } catch (error) {
      this.logger.warn(`progress of ${jobId} not saved: ${(error as Error).message}`);
    }
  }
}
