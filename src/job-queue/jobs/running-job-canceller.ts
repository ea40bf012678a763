import { Injectable } from '@nestjs/common';
import type { JobRecord } from '../common/job-record';
import { JobStatus } from '../common/job.enums';
import { PrismaService } from '../database/prisma.service';
import { JobEventBus } from '../events/job-event-bus';
import { JobTopics } from '../events/job-events';
import { JobEventsPublisher } from '../events/job-events.publisher';

/** How long cancelJob waits for the worker (on any instance) to abort a running job. */
export const CANCEL_WAIT_MS = 3000;

/**
 * Cancels a PROCESSING job: records the request on the job, then asks every instance (over the event bus) to abort
 * it; the instance that holds the job aborts its processor and commits CANCELLED. The record makes the cancel
 * durable before anyone is told: an instance that misses the event sees it at its next lease renewal, and stalled
 * recovery ends the job CANCELLED instead of retrying it. Answers once the worker settled, or after CANCEL_WAIT_MS.
 */
@Injectable()
export class RunningJobCanceller {
  constructor(
    private readonly prisma: PrismaService,
    private readonly events: JobEventsPublisher,
    private readonly bus: JobEventBus,
  ) {}

  async cancelRunning(job: JobRecord): Promise<JobRecord> {
    let markSettled: () => void = () => undefined;
    const settled = new Promise<void>((resolve) => (markSettled = resolve));
    const listening = this.bus.subscribe(JobTopics.jobChanged, ({ changes }) => {
      if (changes.some((change) => change.jobId === job.id && change.status !== JobStatus.PROCESSING)) markSettled();
    });
    const timer = setTimeout(markSettled, CANCEL_WAIT_MS);
    try {
      const { count } = await this.prisma.client.processingJob.updateMany({
        where: { id: job.id, status: JobStatus.PROCESSING },
        data: { cancelRequestedAt: new Date() },
      });
      if (count === 1) {
        await this.events.requestCancel(job.id);
        await settled;
      }
    } finally {
      clearTimeout(timer);
      void listening.then((stop) => stop());
    }
    return (await this.prisma.client.processingJob.findUnique({ where: { id: job.id } })) ?? job;
  }
}
