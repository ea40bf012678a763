import { Injectable, Logger } from '@nestjs/common';
import type { JobRecord } from '../common/job-record';
import { JobStatus } from '../common/job.enums';
import { PrismaService } from '../database/prisma.service';
import { JobEventsPublisher } from '../events/job-events.publisher';
import { ProcessingErrorCode, RecoverableError } from '../retry/processing-error';
import { RetryService } from '../retry/retry.service';
import { JobOutcomesRepository } from '../workers/job-outcomes.repository';

/**
 * A PROCESSING job whose lease ran out is stalled: its worker stopped renewing it (crashed, frozen, cut off).
 * Recovery counts the lost attempt as a recoverable STALLED failure, so the retry rules decide what follows.
 */
@Injectable()
export class StalledJobsService {
  private readonly logger = new Logger(StalledJobsService.name);

  constructor(
    private readonly prisma: PrismaService,
    private readonly outcomes: JobOutcomesRepository,
    private readonly retry: RetryService,
    private readonly events: JobEventsPublisher,
  ) {}

  findStalled(now = new Date()): Promise<JobRecord[]> {
    return this.prisma.client.processingJob.findMany({
      where: { status: JobStatus.PROCESSING, leaseExpiresAt: { lt: now } },
      orderBy: { leaseExpiresAt: 'asc' },
    });
  }

  /** Returns how many stalled jobs were put back (RETRYING) or ended (FAILED, retries used up; CANCELLED, when asked). */
  async recover(now = new Date()): Promise<number> {
    const recovered: JobRecord[] = [];
    let wakeWorkers = false;
    for (const job of await this.findStalled(now)) {
      const silentFor = now.getTime() - (job.leaseExpiresAt?.getTime() ?? now.getTime());
      const error = new RecoverableError(
        ProcessingErrorCode.STALLED,
        `Worker ${job.leaseOwner} stopped renewing its lease (expired ${Math.round(silentFor / 1000)} s ago)`,
      );
      const decision = this.retry.decide(job, true);
      const retryAt = decision.retry ? new Date(now.getTime() + decision.delayMs) : null;
      // A job whose cancel was requested ends CANCELLED here (fail() sees the request), never RETRYING.
      const outcome = await this.outcomes.fail(job, job.leaseOwner ?? '', error, retryAt, now);
      if (outcome) {
        recovered.push({ ...job, status: outcome });
        wakeWorkers ||= outcome === JobStatus.RETRYING;
      }
    }
    if (recovered.length > 0) {
      this.logger.warn(`Recovered ${recovered.length} stalled job(s): ${recovered.map((job) => job.id).join(', ')}`);
      await this.events.jobsChanged(recovered);
      if (wakeWorkers) await this.events.wakeWorkers();
    }
    return recovered.length;
  }
}
