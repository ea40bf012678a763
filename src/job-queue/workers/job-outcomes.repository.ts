import { Injectable } from '@nestjs/common';
import type { JobRecord } from '../common/job-record';
import { JobStatus, ProcessingStage } from '../common/job.enums';
import { type Prisma, PrismaService } from '../database/prisma.service';
import { attemptId } from '../database/queue-store';
import { ProcessingError, ProcessingErrorCode } from '../retry/processing-error';
import type { ProcessingOutput } from '../processor-contract/file-processor.interface';

export type AttemptOutcome = 'COMPLETED' | 'FAILED' | 'RETRYING' | 'CANCELLED' | 'INTERRUPTED';
export type FailedOutcome = JobStatus.RETRYING | JobStatus.FAILED | JobStatus.CANCELLED;

interface SettleGuard {
  /** Only while the lease expired before this moment (stalled recovery). */
  leaseExpiredBefore?: Date;
  /** false: only when no cancel was requested. */
  cancelRequested?: false;
}

/** How an attempt ends when its job's cancel was requested while it ran. */
const CANCEL_REQUESTED = new ProcessingError(ProcessingErrorCode.CANCELLED, 'Cancelled while running', false);

/**
 * The writes a worker makes about the jobs it holds. Each is guarded by the lease (lease_owner and status
 * PROCESSING): a worker that lost its job (recovered as stalled, cancelled) changes nothing.
 */
@Injectable()
export class JobOutcomesRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * A failed attempt: RETRYING at `retryAt`, or FAILED when `retryAt` is null; CANCELLED instead, never retried,
   * when its cancel was requested meanwhile (the worker may have missed the event). `leaseExpiredBefore` makes it
   * apply only while the lease is still expired (stalled-job recovery must not take a job that just renewed).
   * Returns the status the job ended in, or null when the worker no longer held it.
   */
  async fail(
    job: JobRecord,
    workerId: string,
    error: ProcessingError,
    retryAt: Date | null,
    leaseExpiredBefore?: Date,
  ): Promise<FailedOutcome | null> {
    const now = new Date();
    const failure = {
      errorCode: error.code,
      errorMessage: error.message.slice(0, 4000),
      errorRecoverable: error.recoverable,
    };
    const data: Prisma.ProcessingJobUpdateManyMutationInput = retryAt
      ? {
          ...failure,
          status: JobStatus.RETRYING,
          retryCount: { increment: 1 },
          lastRetryAt: now,
          nextRetryAt: retryAt,
          availableAt: retryAt,
          leaseOwner: null,
          leaseExpiresAt: null,
        }
      : {
          ...failure,
          status: JobStatus.FAILED,
          completedAt: now,
          nextRetryAt: null,
          leaseOwner: null,
          leaseExpiresAt: null,
        };
    const status = retryAt ? JobStatus.RETRYING : JobStatus.FAILED;
    const settled = await this.settle(job, workerId, retryAt ? 'RETRYING' : 'FAILED', error, data, {
      leaseExpiredBefore,
      cancelRequested: false,
    });
    if (settled) return status;
    return (await this.cancelled(job, workerId, CANCEL_REQUESTED, leaseExpiredBefore)) ? JobStatus.CANCELLED : null;
  }

  cancelled(job: JobRecord, workerId: string, error: ProcessingError, leaseExpiredBefore?: Date): Promise<boolean> {
    return this.settle(
      job,
      workerId,
      'CANCELLED',
      error,
      { status: JobStatus.CANCELLED, completedAt: new Date(), leaseOwner: null, leaseExpiresAt: null },
      { leaseExpiredBefore },
    );
  }

  /**
   * Saves a processor's extraction before a step that may fail (analysis), marked `result.analysisPending`, so a
   * retry resumes with it instead of extracting again.
   */
  async checkpointExtraction(job: JobRecord, workerId: string, output: ProcessingOutput): Promise<void> {
    await this.prisma.client.processingJob.updateMany({
      where: { id: job.id, leaseOwner: workerId, status: JobStatus.PROCESSING },
      data: {
        extractedText: output.extractedText ?? null,
        metadata: (output.metadata ?? undefined) as Prisma.InputJsonValue | undefined,
        result: { ...output.result, analysisPending: true },
      },
    });
  }

  /**
   * Puts the worker's unfinished jobs back to PENDING (graceful shutdown); their attempts end INTERRUPTED. A job
   * whose cancel was requested ends CANCELLED instead. Returns each job settled, with the status it got.
   */
  async release(workerId: string, jobs: JobRecord[]): Promise<JobRecord[]> {
    const released: JobRecord[] = [];
    for (const job of jobs) {
      const pending = await this.settle(
        job,
        workerId,
        'INTERRUPTED',
        null,
        {
          status: JobStatus.PENDING,
          stage: ProcessingStage.QUEUED,
          progress: 0,
          bytesProcessed: null,
          availableAt: new Date(),
          leaseOwner: null,
          leaseExpiresAt: null,
        },
        { cancelRequested: false },
      );
      if (pending) released.push({ ...job, status: JobStatus.PENDING });
      else if (await this.cancelled(job, workerId, CANCEL_REQUESTED))
        released.push({ ...job, status: JobStatus.CANCELLED });
    }
    return released;
  }

  private settle(
    job: JobRecord,
    workerId: string,
    outcome: AttemptOutcome,
    error: ProcessingError | null,
    data: Prisma.ProcessingJobUpdateManyMutationInput,
    guard: SettleGuard = {},
  ): Promise<boolean> {
    const { leaseExpiredBefore, cancelRequested } = guard;
    const now = new Date();
    return this.prisma.client.$transaction(async (tx) => {
      const { count } = await tx.processingJob.updateMany({
        where: {
          id: job.id,
          leaseOwner: workerId,
          status: JobStatus.PROCESSING,
          leaseExpiresAt: leaseExpiredBefore ? { lt: leaseExpiredBefore } : undefined,
          cancelRequestedAt: cancelRequested === false ? null : undefined,
        },
        data: { nextAttemptManual: outcome === 'INTERRUPTED' ? undefined : false, ...data, updatedAt: now },
      });
      if (count === 0) return false;
      // The claim wrote no attempt row (see the queue store's claim): the attempt is written here, closed.
      const ending = {
        finishedAt: now,
        outcome,
        errorCode: error?.code ?? null,
        errorMessage: error?.message.slice(0, 4000) ?? null,
      };
      await tx.jobAttempt.upsert({
        where: { jobId_number: { jobId: job.id, number: job.attemptCount } },
        create: {
          id: attemptId(job.id, job.attemptCount),
          jobId: job.id,
          number: job.attemptCount,
          workerId,
          startedAt: job.startedAt ?? now,
          manual: job.nextAttemptManual,
          ...ending,
        },
        update: ending,
      });
      return true;
    });
  }
}
