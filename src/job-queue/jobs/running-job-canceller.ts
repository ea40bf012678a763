import { Inject, Injectable } from '@nestjs/common';
import type { JobRecord } from '../common/job-record';
import { JobStatus } from '../common/job.enums';
import type { JobRecords } from '../database/job-records';
import type { QueueDriver } from '../database/queue-driver';
import { JobEventBus } from '../events/job-event-bus';
import { JobTopics } from '../events/job-events';
import { JobEventsPublisher } from '../events/job-events.publisher';
import { QUEUE_DRIVER } from '../job-queue.constants';

/** How long cancelJob waits for the worker (on any instance) to abort a running job. */
export const CANCEL_WAIT_MS = 3000;

/** Every status a running job can leave PROCESSING for: what a cancel waits to hear (no claim need go out for it). */
const LEFT_PROCESSING = Object.values(JobStatus).filter((status) => status !== JobStatus.PROCESSING);

/**
 * Cancels a PROCESSING job: records the request on the job, then asks every instance (over the event bus) to abort
 * it; the instance that holds the job aborts its processor and commits CANCELLED. The record makes the cancel
 * durable before anyone is told: an instance that misses the event sees it at its next lease renewal, and stalled
 * recovery ends the job CANCELLED instead of retrying it. Answers once the worker settled, or after CANCEL_WAIT_MS.
 */
@Injectable()
export class RunningJobCanceller {
  private readonly records: JobRecords;

  constructor(
    private readonly events: JobEventsPublisher,
    private readonly bus: JobEventBus,
    @Inject(QUEUE_DRIVER) driver: QueueDriver,
  ) {
    this.records = driver.records;
  }

  /** The job once its worker settled it (or the wait ran out); null: it was no longer PROCESSING, nothing recorded. */
  async cancelRunning(job: JobRecord): Promise<JobRecord | null> {
    if (!(await this.records.requestCancel(job.id))) return null;
    await this.askWorkerToCancel(job.id);
    return (await this.records.findJob(job.id)) ?? job;
  }

  /**
   * Status changes are published only while someone listens (EventInterest): this instance listens first, and the
   * request goes out once the others know it (ordered after the announcement), so the worker's CANCELLED reaches it.
   * The cancel is already durable: listening may wait for the event connection, never delay the record.
   */
  private async askWorkerToCancel(jobId: string): Promise<void> {
    let markSettled: () => void = () => undefined;
    const settled = new Promise<void>((resolve) => (markSettled = resolve));
    const timer = setTimeout(markSettled, CANCEL_WAIT_MS);
    let stopListening: () => void = () => undefined;
    try {
      stopListening = await this.bus.subscribe(
        JobTopics.jobChanged,
        ({ changes }) => {
          if (changes.some((change) => change.jobId === jobId && change.status !== JobStatus.PROCESSING)) markSettled();
        },
        LEFT_PROCESSING,
      );
      await this.events.requestCancel(jobId);
      await settled;
    } finally {
      clearTimeout(timer);
      stopListening();
    }
  }
}
