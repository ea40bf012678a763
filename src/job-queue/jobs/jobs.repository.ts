import { Inject, Injectable } from '@nestjs/common';
import { newId } from '../common/ids';
import { ownerScope, type Caller } from '../common/caller';
import type { JobAttemptRecord, JobRecord } from '../common/job-record';
import { priorityToRank } from '../common/job.enums';
import type { JobPage, JobQuery, JobRecords } from '../database/job-records';
import type { QueueDriver } from '../database/queue-driver';
import type { NewJob } from '../database/queue-store';
import { QUEUE_DRIVER } from '../job-queue.constants';
import type { JobFilterInput } from './dto/job-filter.input';
import { DurationEstimates } from './duration-estimates';
import type { JobCursor } from './job-cursor';

/** A job to insert; the store copies its file's name, size and format (QueueStore.insertJobs). */
export interface JobDraft {
  fileId: string;
  priority: number;
  maxRetries: number;
  options: Record<string, unknown> | null;
  runAt: Date | null;
  idempotencyKey: string | null;
  userId: string | null;
}

export type { JobPage } from '../database/job-records';

/**
 * Data access for jobs, in the API's terms (a caller, a GraphQL filter): enqueue through the queue's statements,
 * and the rest through the driver's JobRecords, which alone knows how a job's state is stored.
 */
@Injectable()
export class JobsRepository {
  private readonly records: JobRecords;

  constructor(
    @Inject(QUEUE_DRIVER) private readonly driver: QueueDriver,
    private readonly estimates: DurationEstimates,
  ) {
    this.records = driver.records;
  }

  findById(id: string, caller: Caller): Promise<JobRecord | null> {
    return this.records.findJob(id, ownerScope(caller));
  }

  /** The job's attempts, the running one included (see attemptsOfMany). */
  async attemptsOf(jobId: string): Promise<JobAttemptRecord[]> {
    return (await this.attemptsOfMany([jobId])).get(jobId) ?? [];
  }

  /** The attempts of each job, the running one and the completing one included (JobRecords.attemptHistories). */
  attemptsOfMany(jobIds: string[]): Promise<Map<string, JobAttemptRecord[]>> {
    return this.records.attemptHistories(jobIds);
  }

  /**
   * Inserts the drafts in one transaction (the store's bulk statement), each of a file the caller may use: when one
   * is not, nothing is inserted and UnknownFilesError names the files. A draft whose idempotency key exists yields
   * the existing job; repeats of a key within the drafts yield one job. Returns one job per draft, in order, and the
   * ids of the jobs that were created. `traceContext` (W3C, see common/tracing.ts) is stored with every job
   * created, for its worker's span to link to.
   */
  async insert(
    drafts: JobDraft[],
    caller: Caller,
    traceContext: string | null = null,
  ): Promise<{ jobs: JobRecord[]; created: string[] }> {
    const idByKey = new Map<string, string>();
    const rows: NewJob[] = [];
    const ids = drafts.map((draft) => {
      const repeated = draft.idempotencyKey ? idByKey.get(draft.idempotencyKey) : undefined;
      if (repeated) return repeated;
      const row = toNewJob(newId(), draft, traceContext);
      if (draft.idempotencyKey) idByKey.set(draft.idempotencyKey, row.id);
      rows.push(row);
      return row.id;
    });
    const estimatedDurations = await this.estimates.current();
    const stored = await this.driver.insertJobs(rows, { owner: ownerScope(caller), estimatedDurations });
    const byRowId = new Map(rows.map((row, index) => [row.id, stored[index]]));
    const created = stored.filter((job, index) => job.id === rows[index].id).map((job) => job.id);
    return { jobs: ids.map((id) => byRowId.get(id)!), created };
  }

  list(filter: JobFilterInput | undefined, first: number, after: JobCursor | null, caller: Caller): Promise<JobPage> {
    return this.records.listJobs(jobQuery(filter, caller), first, after);
  }

  /** The filtered jobs' exact count, whatever the page. */
  count(filter: JobFilterInput | undefined, caller: Caller): Promise<number> {
    return this.records.countJobs(jobQuery(filter, caller));
  }

  /** PENDING or RETRYING to CANCELLED; false when the job was in neither status. */
  cancelQueued(id: string): Promise<boolean> {
    return this.records.cancelQueuedJob(id);
  }

  /** FAILED or CANCELLED back to PENDING for one more attempt; false when the job was in neither status. */
  retryByHand(id: string): Promise<boolean> {
    return this.records.retryJobByHand(id);
  }
}

/**
 * The filter in the records' terms. The owner conditions all apply: the caller's scope and the filter's userId. A
 * non-admin filtering on another user therefore gets nothing, as jobUpdated's matcher decides (before, the scope
 * replaced the filter and such a query answered the caller's own jobs). An empty list is no condition.
 */
function jobQuery(filter: JobFilterInput | undefined, caller: Caller): JobQuery {
  const nonEmpty = <T>(values: T[] | undefined | null) => (values?.length ? values : undefined);
  return {
    statuses: nonEmpty(filter?.status),
    formats: nonEmpty(filter?.format?.map((format) => format.toLowerCase())),
    priorities: nonEmpty(filter?.priority?.map(priorityToRank)),
    owners: [ownerScope(caller), filter?.userId].filter((userId): userId is string | null => userId !== undefined),
    createdAfter: filter?.createdAfter ?? undefined,
    createdBefore: filter?.createdBefore ?? undefined,
  };
}

/** Created when inserted and available then or at its runAt, by the database's clock (NewJob). */
function toNewJob(id: string, draft: JobDraft, traceContext: string | null): NewJob {
  return {
    id,
    fileId: draft.fileId,
    priority: draft.priority,
    maxRetries: draft.maxRetries,
    options: draft.options ? JSON.stringify(draft.options) : null,
    runAt: draft.runAt,
    availableAt: null,
    idempotencyKey: draft.idempotencyKey,
    userId: draft.userId,
    createdAt: null,
    traceContext,
  };
}
