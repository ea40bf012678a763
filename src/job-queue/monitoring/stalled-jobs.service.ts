import { Inject, Injectable, Logger } from '@nestjs/common';
import { SpanKind } from '@opentelemetry/api';
import type { JobRecord } from '../common/job-record';
import { inSpan, linksTo } from '../common/tracing';
import type { QueueStore } from '../database/queue-store';
import { QUEUE_DRIVER } from '../job-queue.constants';
import { JobEventsPublisher } from '../events/job-events.publisher';
import { ProcessingErrorCode, RecoverableError } from '../retry/processing-error';
import { RetryService } from '../retry/retry.service';
import { JobOutcomesRepository } from '../workers/job-outcomes.repository';

/** Stalled jobs settled by one statement at most (a statement's arrays stay small; more go in the next one). */
const SWEEP_BATCH = 500;
/** Links a recovery's span carries at most: the OpenTelemetry SDK keeps 128 a span by default. */
const MAX_LINKS = 128;

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

  /** PROCESSING jobs whose lease ran out by the database's clock (the one the leases were set by). */
  findStalled(): Promise<JobRecord[]> {
    return this.store.findStalled();
  }

  /**
   * Returns how many stalled jobs were put back (RETRYING) or ended (FAILED, retries used up; CANCELLED, when asked):
   * one statement per SWEEP_BATCH of them, each guarded by the lease that ran out. A sweep that finds some does it
   * in a `job.recover_stalled` span linked to their enqueues (as their `job.process` spans are), so a job's trace
   * shows that its attempt was lost and what became of it; a sweep that finds none makes no span.
   */
  async recover(): Promise<number> {
    const found = await this.findStalled();
    if (found.length === 0) return 0;
    const links = found.slice(0, MAX_LINKS).flatMap((job) => linksTo(job.traceContext) ?? []);
    const attributes = { 'file_jobs.stalled.count': found.length };
    return inSpan('job.recover_stalled', { kind: SpanKind.INTERNAL, links, attributes }, async (span) => {
      const recovered = await this.settle(found);
      span.setAttribute('file_jobs.recovered.count', recovered.length);
      if (recovered.length > 0) {
        this.logger.warn(`Recovered ${recovered.length} stalled job(s): ${recovered.map((job) => job.id).join(', ')}`);
        await this.events.jobsSettled(recovered);
      }
      return recovered.length;
    });
  }

  /** Counts each job's lost attempt as a recoverable STALLED failure and settles them, guarded by their leases. */
  private async settle(found: JobRecord[]): Promise<JobRecord[]> {
    const stalled = found.map((job) => {
      // When, not how long ago: this instance's clock need not agree with the database's, which set the lease.
      const error = new RecoverableError(
        ProcessingErrorCode.STALLED,
        `Worker ${job.leaseOwner} stopped renewing its lease (it expired at ${job.leaseExpiresAt?.toISOString()})`,
      );
      const decision = this.retry.decide(job, true);
      return { job, error, retryDelayMs: decision.retry ? decision.delayMs : null };
    });
    const recovered: JobRecord[] = [];
    for (let start = 0; start < stalled.length; start += SWEEP_BATCH) {
      // A job whose cancel was requested ends CANCELLED here (settleMany sees the request), never RETRYING.
      recovered.push(...(await this.outcomes.recoverStalled(stalled.slice(start, start + SWEEP_BATCH))));
    }
    return recovered;
  }
}
