import { Injectable } from '@nestjs/common';
import type { JobRecord } from '../common/job-record';
import { JobStatus, ProcessingStage } from '../common/job.enums';
import { type Prisma, PrismaService } from '../database/prisma.service';
import type { ProcessingError } from '../retry/processing-error';
import type { ProcessingOutput } from './file-processor.interface';

export type AttemptOutcome = 'COMPLETED' | 'FAILED' | 'RETRYING' | 'CANCELLED' | 'INTERRUPTED';

/**
 * The writes a worker makes about the jobs it holds. Each is guarded by the lease (lease_owner and status
 * PROCESSING): a worker that lost its job (recovered as stalled, cancelled) changes nothing.
 */
@Injectable()
export class JobOutcomesRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * A failed attempt: RETRYING at `retryAt`, or FAILED when `retryAt` is null. `leaseExpiredBefore` makes it
   * apply only while the lease is still expired (stalled-job recovery must not take a job that just renewed).
   */
  fail(job: JobRecord, workerId: string, error: ProcessingError, retryAt: Date | null, leaseExpiredBefore?: Date): Promise<boolean> {
    const now = new Date();
    const failure = { errorCode: error.code, errorMessage: error.message.slice(0, 4000), errorRecoverable: error.recoverable };
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
      : { ...failure, status: JobStatus.FAILED, completedAt: now, nextRetryAt: null, leaseOwner: null, leaseExpiresAt: null };
    return this.settle(job, workerId, retryAt ? 'RETRYING' : 'FAILED', error, data, leaseExpiredBefore);
  }

  cancelled(job: JobRecord, workerId: string, error: ProcessingError): Promise<boolean> {
    return this.settle(job, workerId, 'CANCELLED', error, {
      status: JobStatus.CANCELLED,
      completedAt: new Date(),
      leaseOwner: null,
      leaseExpiresAt: null,
    });
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
        result: { ...output.result, analysisPending: true } as Prisma.InputJsonValue,
      },
    });
  }

  /** Puts the worker's unfinished jobs back to PENDING (graceful shutdown); their attempts end INTERRUPTED. */
  async release(workerId: string, jobs: JobRecord[]): Promise<JobRecord[]> {
    const released: JobRecord[] = [];
    for (const job of jobs) {
      const done = await this.settle(job, workerId, 'INTERRUPTED', null, {
        status: JobStatus.PENDING,
        stage: ProcessingStage.QUEUED,
        progress: 0,
        bytesProcessed: null,
        availableAt: new Date(),
        leaseOwner: null,
        leaseExpiresAt: null,
      });
      if (done) released.push(job);
    }
    return released;
  }

  /** Extends the worker's leases; returns the ids of the jobs it no longer holds (recovered or cancelled meanwhile). */
  async renewLeases(workerId: string, jobIds: string[], leaseMs: number): Promise<string[]> {
    if (jobIds.length === 0) return [];
    const where = { id: { in: jobIds }, leaseOwner: workerId, status: JobStatus.PROCESSING };
    const { count } = await this.prisma.client.processingJob.updateMany({
      where,
      data: { leaseExpiresAt: new Date(Date.now() + leaseMs) },
    });
    if (count === jobIds.length) return [];
    const held = new Set((await this.prisma.client.processingJob.findMany({ where, select: { id: true } })).map((job) => job.id));
    return jobIds.filter((id) => !held.has(id));
  }

  private settle(
    job: JobRecord,
    workerId: string,
    outcome: AttemptOutcome,
    error: ProcessingError | null,
    data: Prisma.ProcessingJobUpdateManyMutationInput,
    leaseExpiredBefore?: Date,
  ): Promise<boolean> {
    const now = new Date();
    return this.prisma.client.$transaction(async (tx) => {
      const { count } = await tx.processingJob.updateMany({
        where: {
          id: job.id,
          leaseOwner: workerId,
          status: JobStatus.PROCESSING,
          leaseExpiresAt: leaseExpiredBefore ? { lt: leaseExpiredBefore } : undefined,
        },
        data: { nextAttemptManual: outcome === 'INTERRUPTED' ? undefined : false, ...data, updatedAt: now },
      });
      if (count === 0) return false;
      await tx.jobAttempt.updateMany({
        where: { jobId: job.id, number: job.attemptCount },
        data: { finishedAt: now, outcome, errorCode: error?.code ?? null, errorMessage: error?.message.slice(0, 4000) ?? null },
      });
      return true;
    });
  }
}
