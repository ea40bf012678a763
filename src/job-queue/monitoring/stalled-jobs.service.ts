import { Inject, Injectable, Logger } from '@nestjs/common';
import type { JobRecord } from '../common/job-record';
import { JobStatus } from '../common/job.enums';
import type { QueueStore } from '../database/queue-store';
import { QUEUE_DRIVER } from '../job-queue.constants';
import { JobEventsPublisher } from '../events/job-events.publisher';
import { ProcessingErrorCode, RecoverableError } from '../retry/processing-error';
import { RetryService } from '../retry/retry.service';
import { JobOutcomesRepository } from '../workers/job-outcomes.repository';

/** Stalled jobs settled by one statement at most (a statement's arrays stay small; more go in the next one). */
const SWEEP_BATCH = 500;

/**
 * A PROCESSING job whose lease ran out is stalled: its worker stopped renewing it (crashed, frozen, cut off).
 * Recovery counts the lost attempt as a recoverable STALLED failure, so the retry rules decide what follows.
 */
@Injectable()
export class StalledJobsService {
  private readonly logger = new Logger(StalledJobsService.name);

  constructor(
    @Inject(QUEUE_DRIVER) private readonly store: QueueStore,
    private readonly outcomes: JobOutcomesRepository,
    private readonly retry: RetryService,
    private readonly events: JobEventsPublisher,
  ) {}

  findStalled(now = new Date()): Promise<JobRecord[]> {
    return this.store.findStalled(now);
  }

  /**
   * Returns how many stalled jobs were put back (RETRYING) or ended (FAILED, retries used up; CANCELLED, when asked):
   * one statement per SWEEP_BATCH of them, each guarded by the lease that ran out.
   */
  async recover(now = new Date()): Promise<number> {
    const stalled = (await this.findStalled(now)).map((job) => {
      const silentFor = now.getTime() - (job.leaseExpiresAt?.getTime() ?? now.getTime());
      const error = new RecoverableError(
        ProcessingErrorCode.STALLED,
        `Worker ${job.leaseOwner} stopped renewing its lease (expired ${Math.round(silentFor / 1000)} s ago)`,
      );
      const decision = this.retry.decide(job, true);
      return { job, error, retryAt: decision.retry ? new Date(now.getTime() + decision.delayMs) : null };
    });
    const recovered: JobRecord[] = [];
    for (let start = 0; start < stalled.length; start += SWEEP_BATCH) {
      // A job whose cancel was requested ends CANCELLED here (settleMany sees the request), never RETRYING.
      recovered.push(...(await this.outcomes.recoverStalled(stalled.slice(start, start + SWEEP_BATCH), now)));
    }
    if (recovered.length > 0) {
      this.logger.warn(`Recovered ${recovered.length} stalled job(s): ${recovered.map((job) => job.id).join(', ')}`);
      await this.events.jobsChanged(recovered);
      if (recovered.some((job) => job.status === String(JobStatus.RETRYING))) await this.events.wakeWorkers();
    }
    return recovered.length;
  }
}
