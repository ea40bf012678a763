import { Inject, Injectable } from '@nestjs/common';
import { SpanKind } from '@opentelemetry/api';
import type { Caller } from '../common/caller';
import type { JobAttemptRecord, JobRecord } from '../common/job-record';
import { CLAIMABLE_STATUSES, JobStatus, priorityToRank } from '../common/job.enums';
import { inSpan, messagingAttributes, traceContextOf } from '../common/tracing';
import { UnknownFilesError } from '../database/queue-store';
import { JobEventsPublisher } from '../events/job-events.publisher';
import { JOB_QUEUE_OPTIONS } from '../job-queue.constants';
import { jobOptionsProblems } from '../retry/job-options';
import type { ResolvedJobQueueOptions } from '../job-queue.options';
import type { EnqueueJobInput } from './dto/enqueue-job.input';
import type { JobFilterInput } from './dto/job-filter.input';
import { decodeJobCursor } from './job-cursor';
import { type JobDraft, type JobPage, JobsRepository } from './jobs.repository';
import { JobsErrorCode, JobsException } from './jobs.exception';
import { RunningJobCanceller } from './running-job-canceller';

/** Reads of a job a cancel makes while the job keeps moving on (each move is a worker's or a user's write). */
const MAX_CANCEL_READS = 5;

/** The queue's operations for API callers and host code. Every one takes the caller and honours its scope. */
@Injectable()
export class JobsService {
  constructor(
    private readonly repository: JobsRepository,
    private readonly events: JobEventsPublisher,
    private readonly canceller: RunningJobCanceller,
    @Inject(JOB_QUEUE_OPTIONS) private readonly options: ResolvedJobQueueOptions,
  ) {}

  async enqueue(input: EnqueueJobInput, caller: Caller): Promise<JobRecord> {
    const [job] = await this.enqueueMany([input], caller);
    return job;
  }

  /** Enqueues all inputs in one transaction, or none of them. */
  async enqueueMany(inputs: EnqueueJobInput[], caller: Caller): Promise<JobRecord[]> {
    if (inputs.length === 0) return [];
    const problems = inputs.flatMap((input, index) =>
      jobOptionsProblems(input.options).map((problem) => (inputs.length > 1 ? `inputs[${index}].${problem}` : problem)),
    );
    if (problems.length > 0) throw new JobsException(JobsErrorCode.INVALID_INPUT, problems.join('; '));
    const drafts = inputs.map((input) => ({
      fileId: input.fileId,
      priority: priorityToRank(input.priority),
      maxRetries: input.maxRetries ?? this.options.defaultMaxRetries,
      options: input.options ?? null,
      runAt: input.runAt ?? null,
      idempotencyKey: input.idempotencyKey ? scopedIdempotencyKey(caller, input.idempotencyKey) : null,
      userId: caller.userId,
    }));
    const { jobs, created } = await this.insertTraced(drafts, caller);
    if (created.length > 0) {
      // The jobs are committed: the events are hints that need not hold up the caller. Workers first.
      const createdIds = new Set(created);
      void this.events.wakeWorkers();
      void this.events.jobsChanged(jobs.filter((job) => createdIds.has(job.id)));
    }
    return jobs;
  }

  /**
   * Inserts in a `job.enqueue` (PRODUCER) span whose context is stored with the jobs: their `job.process` spans link
   * to it. Without an SDK the span is the API's no-op, its context invalid, and the column stays null.
   */
  private insertTraced(drafts: JobDraft[], caller: Caller): Promise<{ jobs: JobRecord[]; created: string[] }> {
    return inSpan('job.enqueue', { kind: SpanKind.PRODUCER }, async (span) => {
      const inserted = await this.repository.insert(drafts, caller, traceContextOf(span)).catch((error: unknown) => {
        if (!(error instanceof UnknownFilesError)) throw error;
        throw new JobsException(JobsErrorCode.UNKNOWN_FILE, `${error.message} (upload it with POST /files)`);
      });
      if (span.isRecording()) {
        span.setAttributes({
          ...messagingAttributes('send'),
          'messaging.batch.message_count': inserted.created.length,
        });
        if (inserted.created.length === 1) span.setAttribute('messaging.message.id', inserted.created[0]);
      }
      return inserted;
    });
  }

  async get(id: string, caller: Caller): Promise<JobRecord> {
    const job = await this.repository.findById(id, caller);
    if (!job) throw JobsException.jobNotFound(id);
    return job;
  }

  list(filter: JobFilterInput | undefined, first: number, after: string | undefined, caller: Caller): Promise<JobPage> {
    return this.repository.list(filter, first, after ? decodeJobCursor(after) : null, caller);
  }

  /** How many jobs the filter matches for this caller, whatever the page. */
  count(filter: JobFilterInput | undefined, caller: Caller): Promise<number> {
    return this.repository.count(filter, caller);
  }

  attempts(jobId: string): Promise<JobAttemptRecord[]> {
    return this.repository.attemptsOf(jobId);
  }

  /**
   * PENDING or RETRYING: cancelled at once. PROCESSING: its processor is aborted wherever it runs. Anything else:
   * CONFLICT. A job can move on between the read and the write (claimed, failed back to RETRYING, completed), so each
   * write that finds the job moved on reads it again: a running job that went back to RETRYING meanwhile was answered
   * as it was, RETRYING, and ran again; one that completed was answered COMPLETED where any other is a CONFLICT.
   */
  async cancel(id: string, caller: Caller): Promise<JobRecord> {
    for (let read = 1; ; read++) {
      const job = await this.get(id, caller);
      const running = isRunning(job);
      if (read > MAX_CANCEL_READS || (!running && !CLAIMABLE_STATUSES.includes(job.status as JobStatus))) {
        throw this.conflict(job, 'cancelled');
      }
      if (running) {
        const answered = await this.canceller.cancelRunning(job);
        if (answered) return answered;
      } else if (await this.repository.cancelQueued(id)) {
        return this.changed(id, caller);
      }
    }
  }

  /** FAILED or CANCELLED back to PENDING for one more attempt, even when its retries are used up. */
  async retry(id: string, caller: Caller): Promise<JobRecord> {
    const job = await this.get(id, caller);
    const retried = await this.repository.retryByHand(id);
    if (!retried) throw this.conflict(await this.get(id, caller).catch(() => job), 'retried');
    const updated = await this.changed(id, caller);
    await this.events.wakeWorkers();
    return updated;
  }

  private async changed(id: string, caller: Caller): Promise<JobRecord> {
    const job = await this.get(id, caller);
    await this.events.jobsChanged([job]);
    return job;
  }

  private conflict(job: JobRecord, action: string): JobsException {
    return new JobsException(
      JobsErrorCode.INVALID_TRANSITION,
      `Job ${job.id} is ${job.status} and cannot be ${action}`,
    );
  }
}

/**
 * Idempotency keys are per user: the same key from two users names two jobs (and never reveals the other's). The
 * user's id comes first with its `\` and `:` escaped, so that the first unescaped `:` ends it: written plainly as
 * `<user>:<key>`, user "a:b" with key "c" and user "a" with key "b:c" named one job, and the second was given the
 * first's. Migration 20261208000000_idempotency_keys_escaped rewrote the keys stored the old way.
 */
function scopedIdempotencyKey(caller: Caller, key: string): string {
  return `${(caller.userId ?? '').replace(/[\\:]/g, (special) => `\\${special}`)}:${key}`;
}

/** The record's status is the column's text; JobStatus names its values. */
function isRunning(job: JobRecord): boolean {
  return (job.status as JobStatus) === JobStatus.PROCESSING;
}
