import type { JobAttemptRecord, JobRecord } from '../common/job-record';
import { CLAIMABLE_STATUSES, JobStatus, ProcessingStage } from '../common/job.enums';
import { attemptHistory } from './attempt-on-job';
import { jobCountQuery } from './job-count-query';
import type { JobOverwrite, JobPage, JobQuery, JobRecords, ListPosition } from './job-records';
import type { Prisma, PrismaService } from './prisma.service';
import type { QueueDriver } from './queue-driver';

const RETRYABLE_BY_HAND: readonly JobStatus[] = [JobStatus.FAILED, JobStatus.CANCELLED];

/** The listing's order, newest first, and its reverse (the cursor's own job first, then newer ones). */
export const LIST_ORDER: Prisma.ProcessingJobOrderByWithRelationInput[] = [{ createdAt: 'desc' }, { id: 'desc' }];
export const LIST_ORDER_REVERSED: Prisma.ProcessingJobOrderByWithRelationInput[] = [
  { createdAt: 'asc' },
  { id: 'asc' },
];

/**
 * The jobs after the position in the list's order: older, or as old with a smaller id. The OR alone is no index
 * condition for the planner: PostgreSQL read the listing's index backwards from the newest job and filtered its way
 * down to the cursor (a page 213,600 jobs deep into 300,000 read all of them, 129 ms). The bound on createdAt,
 * which the OR implies, starts the scan at the cursor instead (0.6 ms).
 */
export const listedAfter = (position: ListPosition): Prisma.ProcessingJobWhereInput => ({
  createdAt: { lte: position.createdAt },
  OR: [{ createdAt: { lt: position.createdAt } }, { createdAt: position.createdAt, id: { lt: position.id } }],
});

/**
 * The position's own job and every job before it in the list's order (newer), bounded the same way. Read in the
 * reverse of the list's order, the first match is the position's job or the next newer one.
 */
export const listedAtOrBefore = (position: ListPosition): Prisma.ProcessingJobWhereInput => ({
  createdAt: { gte: position.createdAt },
  OR: [{ createdAt: { gt: position.createdAt } }, { createdAt: position.createdAt, id: { gte: position.id } }],
});

/**
 * JobRecords over the processing_jobs model, a job's whole row (on PostgreSQL a view of its record and its state):
 * Prisma's queries, the same on each provider, and SQL only where Prisma's would be slow (the count, the averages).
 * The client is asked for at each call, not at construction: worker-only processes never load it
 * (PrismaService.client).
 */
export class PrismaJobRecords implements JobRecords {
  constructor(
    private readonly connection: PrismaService,
    private readonly driver: Pick<QueueDriver, 'databaseTime' | 'jobStates'>,
  ) {}

  private get db() {
    return this.connection.client;
  }

  findJob(id: string, owner?: string | null): Promise<JobRecord | null> {
    return this.db.processingJob.findFirst({ where: { id, userId: owner } });
  }

  /**
   * Two queries. The running attempt and the completing one have no row (see attemptOnJob) and are read from the
   * job itself, which is read first: once one shows a status other than PROCESSING, the closed row of a failed,
   * cancelled or released attempt is committed too (same transaction).
   */
  async attemptHistories(jobIds: string[]): Promise<Map<string, JobAttemptRecord[]>> {
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

  async listJobs(query: JobQuery, first: number, after: ListPosition | null): Promise<JobPage> {
    const where = queryWhere(query);
    // Before the first edge is everything from the position itself up (the page starts just after it), so one
    // lookup answers it, empty page included; without `after` the page starts the list.
    const [rows, before] = await Promise.all([
      this.db.processingJob.findMany({
        where: after ? { AND: [where, listedAfter(after)] } : where,
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
    return { jobs: rows.slice(0, first), hasNextPage: rows.length > first, hasPreviousPage: before !== null };
  }

  /** One statement, its table chosen by what the query filters on (jobCountQuery). */
  async countJobs(query: JobQuery): Promise<number> {
    const statement = jobCountQuery(query, this.connection.fragments, this.driver.jobStates);
    if (!statement) return 0;
    const [row] = await this.db.$queryRaw<{ count: unknown }[]>(statement);
    return Number(row?.count ?? 0);
  }

  cancelQueuedJob(id: string): Promise<boolean> {
    return this.transition(id, CLAIMABLE_STATUSES, (now) => ({
      status: JobStatus.CANCELLED,
      completedAt: now,
      nextRetryAt: null,
    }));
  }

  retryJobByHand(id: string): Promise<boolean> {
    return this.transition(id, RETRYABLE_BY_HAND, (now) => ({
      status: JobStatus.PENDING,
      stage: ProcessingStage.QUEUED,
      progress: 0,
      bytesProcessed: null,
      availableAt: now,
      nextRetryAt: null,
      completedAt: null,
      errorCode: null,
      errorMessage: null,
      errorRecoverable: true,
      nextAttemptManual: true,
    }));
  }

  requestCancel(id: string): Promise<boolean> {
    return this.transition(id, [JobStatus.PROCESSING], (now) => ({ cancelRequestedAt: now }));
  }

  /**
   * One aggregate in the database rather than the sample's rows into the process, read backwards along the
   * (status, completed_at, ...) index; the same SQL on both providers (dates compare on each).
   */
  async recentDurationAverages(sampleSize: number): Promise<Map<string, number>> {
    if (!Number.isSafeInteger(sampleSize) || sampleSize < 1)
      throw new RangeError(`sampleSize must be a positive integer, got ${sampleSize}`);
    const rows = await this.db.$queryRawUnsafe<{ format: string; average: number | bigint }[]>(`
      SELECT format, CAST(ROUND(AVG(actual_duration)) AS INTEGER) AS average
        FROM (SELECT format, actual_duration FROM processing_jobs
               WHERE status = 'COMPLETED' AND completed_at IS NOT NULL AND actual_duration IS NOT NULL
               ORDER BY completed_at DESC LIMIT ${sampleSize}) AS recent
       GROUP BY format`);
    return new Map(rows.map(({ format, average }) => [format, Number(average)]));
  }

  overwriteJob(id: string, fields: JobOverwrite): Promise<JobRecord> {
    return this.db.processingJob.update({ where: { id }, data: fields as Prisma.ProcessingJobUncheckedUpdateInput });
  }

  /**
   * Moves the job from one of `from` to the state `change` gives for now; false when its status was not one of
   * `from`. Now is the database's, the clock the claim compares due times with: a job retried by hand on an instance
   * whose clock ran a minute ahead waited that minute.
   */
  private async transition(
    id: string,
    from: readonly JobStatus[],
    change: (now: Date) => Prisma.ProcessingJobUpdateManyMutationInput,
  ): Promise<boolean> {
    const now = await this.driver.databaseTime();
    const { count } = await this.db.processingJob.updateMany({
      where: { id, status: { in: [...from] } },
      data: { ...change(now), updatedAt: now },
    });
    return count === 1;
  }
}

function queryWhere(query: JobQuery): Prisma.ProcessingJobWhereInput {
  return {
    AND: (query.owners ?? []).map((userId) => ({ userId })),
    status: query.statuses ? { in: [...query.statuses] } : undefined,
    format: query.formats ? { in: [...query.formats] } : undefined,
    priority: query.priorities ? { in: [...query.priorities] } : undefined,
    createdAt:
      query.createdAfter || query.createdBefore ? { gte: query.createdAfter, lt: query.createdBefore } : undefined,
  };
}
