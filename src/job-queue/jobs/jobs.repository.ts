import { Inject, Injectable } from '@nestjs/common';
import { newId } from '../common/ids';
import { ownerScope, type Caller } from '../common/caller';
import type { JobAttemptRecord, JobRecord } from '../common/job-record';
import { JobStatus, priorityToRank } from '../common/job.enums';
import { type Prisma, PrismaService } from '../database/prisma.service';
import { type NewJob, type QueueStore } from '../database/queue-store';
import { attemptHistory } from './attempt-on-job';
import { QUEUE_DRIVER } from '../job-queue.constants';
import type { JobFilterInput } from './dto/job-filter.input';
import { DurationEstimates } from './duration-estimates';
import { type JobCursor, LIST_ORDER, LIST_ORDER_REVERSED, listedAfter, listedAtOrBefore } from './job-cursor';

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

export interface JobPage {
  jobs: JobRecord[];
  hasNextPage: boolean;
  /** Some job of the filter comes before the first of the page (only asked when paging `after` a cursor). */
  hasPreviousPage: boolean;
}

/** Data access for jobs: enqueue, reads, and the status transitions that the API triggers. */
@Injectable()
export class JobsRepository {
  constructor(
    private readonly prisma: PrismaService,
    @Inject(QUEUE_DRIVER) private readonly store: QueueStore,
    private readonly estimates: DurationEstimates,
  ) {}

  private get db() {
    return this.prisma.client;
  }

  findById(id: string, caller: Caller): Promise<JobRecord | null> {
    return this.db.processingJob.findFirst({ where: { id, userId: ownerScope(caller) } });
  }

  /** The job's attempts, the running one included (see attemptsOfMany). */
  async attemptsOf(jobId: string): Promise<JobAttemptRecord[]> {
    return (await this.attemptsOfMany([jobId])).get(jobId) ?? [];
  }

  /**
   * The attempts of each job, the running one and the completing one included, in two queries whatever the number
   * of jobs. Those two have no row (see attemptOnJob) and are read from the job itself. The jobs are read first:
   * once one shows a status other than PROCESSING, the closed row of a failed, cancelled or released attempt is
   * committed too (same transaction). Unknown ids map to no attempts.
   */
  async attemptsOfMany(jobIds: string[]): Promise<Map<string, JobAttemptRecord[]>> {
    const jobs = await this.db.processingJob.findMany({
      where: { id: { in: jobIds } },
      select: {
        id: true,
        status: true,
        attemptCount: true,
        startedAt: true,
        completedAt: true,
        leaseOwner: true,
        nextAttemptManual: true,
      },
    });
    const rows = await this.db.jobAttempt.findMany({
      where: { jobId: { in: jobIds } },
      orderBy: [{ jobId: 'asc' }, { number: 'asc' }],
    });
    const byJob = new Map<string, JobAttemptRecord[]>(jobIds.map((id) => [id, []]));
    for (const row of rows) byJob.get(row.jobId)?.push(row);
    for (const job of jobs) byJob.set(job.id, attemptHistory(job, byJob.get(job.id)!));
    return byJob;
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
    const stored = await this.store.insertJobs(rows, { owner: ownerScope(caller), estimatedDurations });
    const byRowId = new Map(rows.map((row, index) => [row.id, stored[index]]));
    const created = stored.filter((job, index) => job.id === rows[index].id).map((job) => job.id);
    return { jobs: ids.map((id) => byRowId.get(id)!), created };
  }

  async list(
    filter: JobFilterInput | undefined,
    first: number,
    after: JobCursor | null,
    caller: Caller,
  ): Promise<JobPage> {
    const where = this.filterWhere(filter, caller);
    const pageWhere: Prisma.ProcessingJobWhereInput = after ? { AND: [where, listedAfter(after)] } : where;
    // Before the first edge is everything from the cursor's own position up (the page starts just after it), so
    // one lookup answers it, empty page included; without `after` the page starts the list.
    const [rows, before] = await Promise.all([
      this.db.processingJob.findMany({
        where: pageWhere,
        orderBy: LIST_ORDER,
        take: first + 1,
      }),
      after
        ? this.db.processingJob.findFirst({
            where: { AND: [where, listedAtOrBefore(after)] },
            orderBy: LIST_ORDER_REVERSED,
            select: { id: true },
          })
        : null,
    ]);
    return {
      jobs: rows.slice(0, first),
      hasNextPage: rows.length > first,
      hasPreviousPage: before !== null,
    };
  }

  /**
   * Moves the job from one of `from` to the state `change` gives for now; false when its status was not one of
   * `from`. Now is the database's, the clock the claim compares due times with: a job retried by hand on an instance
   * whose clock ran a minute ahead waited that minute.
   */
  async transition(
    id: string,
    from: readonly JobStatus[],
    change: (now: Date) => Prisma.ProcessingJobUpdateManyMutationInput,
  ): Promise<boolean> {
    const now = await this.store.databaseTime();
    const { count } = await this.db.processingJob.updateMany({
      where: { id, status: { in: [...from] } },
      data: { ...change(now), updatedAt: now },
    });
    return count === 1;
  }

  /**
   * The filtered jobs' exact count. Over every owner and any creation time it is a sum of the tallies that the
   * triggers keep exact (job_counts, by status, format and priority): at 1,000,000 jobs on PostgreSQL a COUNT(*)
   * took 86-118 ms (a parallel index-only scan), the sum ~1 ms, and every listing asked it. Scoped to an owner or to
   * creation times (the tallies have neither), it counts the jobs as a plain COUNT(*): Prisma's count wraps the
   * query in a LIMIT/OFFSET subquery, which keeps SQLite from counting the b-tree's pages directly and PostgreSQL
   * from counting in parallel. The conditions are those of filterWhere, in SQL.
   */
  async count(filter: JobFilterInput | undefined, caller: Caller): Promise<number> {
    const { sql, join, empty } = this.prisma.fragments;
    const conditions = this.kindConditions(filter);
    const owners = ownerConditions(filter, caller);
    const tallied = owners.length === 0 && !filter?.createdAfter && !filter?.createdBefore;
    for (const userId of owners) conditions.push(userId === null ? sql`user_id IS NULL` : sql`user_id = ${userId}`);
    if (filter?.createdAfter) conditions.push(sql`created_at >= ${filter.createdAfter}`);
    if (filter?.createdBefore) conditions.push(sql`created_at < ${filter.createdBefore}`);
    const where = conditions.length > 0 ? sql`WHERE ${join(conditions, ' AND ')}` : empty;
    const [row] = tallied
      ? await this.db.$queryRaw<{ count: unknown }[]>`SELECT SUM(count) AS count FROM job_counts ${where}`
      : await this.db.$queryRaw<{ count: unknown }[]>`SELECT COUNT(*) AS count FROM processing_jobs ${where}`;
    return Number(row?.count ?? 0);
  }

  /** The filter's status, format and priority conditions, which the tallies can answer too. */
  private kindConditions(filter: JobFilterInput | undefined): Prisma.Sql[] {
    const { sql, join } = this.prisma.fragments;
    const conditions: Prisma.Sql[] = [];
    if (filter?.status?.length) conditions.push(sql`status IN (${join(filter.status)})`);
    if (filter?.format?.length)
      conditions.push(sql`format IN (${join(filter.format.map((format) => format.toLowerCase()))})`);
    if (filter?.priority?.length) conditions.push(sql`priority IN (${join(filter.priority.map(priorityToRank))})`);
    return conditions;
  }

  private filterWhere(filter: JobFilterInput | undefined, caller: Caller): Prisma.ProcessingJobWhereInput {
    return {
      AND: ownerConditions(filter, caller).map((userId) => ({ userId })),
      status: filter?.status?.length ? { in: filter.status } : undefined,
      format: filter?.format?.length ? { in: filter.format.map((format) => format.toLowerCase()) } : undefined,
      priority: filter?.priority?.length ? { in: filter.priority.map(priorityToRank) } : undefined,
      createdAt:
        filter?.createdAfter || filter?.createdBefore
          ? { gte: filter.createdAfter, lt: filter.createdBefore }
          : undefined,
    };
  }
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

/**
 * The owner conditions of a listing, all of which apply: the caller's scope and the filter's userId. A non-admin
 * filtering on another user therefore gets nothing, as jobUpdated's matcher decides (before, the scope replaced the
 * filter and such a query answered the caller's own jobs).
 */
function ownerConditions(filter: JobFilterInput | undefined, caller: Caller): (string | null)[] {
  return [ownerScope(caller), filter?.userId].filter((userId): userId is string | null => userId !== undefined);
}
