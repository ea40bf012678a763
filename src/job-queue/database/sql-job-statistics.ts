import { JobStatus } from '../common/job.enums';
import { ownedBy } from './owner-condition';
import type { ErrorCount, JobFigures, JobStatistics, OutcomeCount, StatusFormatPriorityCount } from './job-statistics';
import type { Prisma, PrismaService } from './prisma.service';
import type { QueueDriver } from './queue-driver';

/** What the statistics' SQL needs of its driver: the arithmetic and the planner hints that differ by provider. */
type ProviderPieces = Pick<QueueDriver, 'millisBetween' | 'bucketSince' | 'indexedBy' | 'jobStates'>;

const HOUR_MS = 3_600_000;

const toNumber = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));
const toNullableNumber = (value: unknown): number | null =>
  value === null || value === undefined ? null : Number(value);
const toDate = (value: unknown): Date | null =>
  value === null || value === undefined ? null : value instanceof Date ? value : new Date(Number(value));

/**
 * JobStatistics over the jobs' states (the driver's jobStates: apart from the records on PostgreSQL, in the job's one
 * row on SQLite), the tallies (job_counts) and the failed attempts (job_attempts). The queries run in the database
 * (grouped, over indexes), never by loading jobs; the provider's arithmetic comes from its driver.
 */
export class SqlJobStatistics implements JobStatistics {
  constructor(
    private readonly prisma: PrismaService,
    private readonly driver: ProviderPieces,
  ) {}

  async countsByStatusFormatPriority(userId: string | null | undefined): Promise<StatusFormatPriorityCount[]> {
    const rows = await this.prisma.client.$queryRaw<
      { status: string; format: string; priority: number; count: unknown }[]
    >`
      SELECT status, format, priority, count FROM ${this.counts(userId)} AS counts`;
    return rows.map((row) => ({
      status: row.status,
      format: row.format,
      priority: Number(row.priority),
      count: toNumber(row.count),
    }));
  }

  /**
   * One statement, so one snapshot: the throughput figures never contradict each other or the counts (the tallies
   * change in the same transactions as the jobs). Each part reads little: the counts (see counts()); the completions
   * of the last 24 hours with their times, from the index (status, completed_at, started_at, created_at) alone. The
   * 7-day throughput is the COMPLETED count minus the COMPLETED jobs finished before the week or never stamped:
   * counting the week itself would walk every completion of the week, while those before it are few (cleanup
   * removes them).
   */
  async jobFigures(
    now: Date,
    userId: string | null | undefined,
    inputErrorCodes: readonly string[],
  ): Promise<JobFigures> {
    const hourAgo = new Date(now.getTime() - HOUR_MS);
    const dayAgo = new Date(now.getTime() - 24 * HOUR_MS);
    const weekAgo = new Date(now.getTime() - 7 * 24 * HOUR_MS);
    const { sql } = this.prisma.fragments;
    const owned = this.owner(userId);
    const jobs = this.jobs(userId);
    const completed = sql`status = ${JobStatus.COMPLETED} AND ${owned}`;
    const rows = await this.prisma.client.$queryRaw<Record<string, unknown>[]>`
      SELECT counts.status, counts.format, counts.priority, counts.count,
        recent.last_hour, recent.last_day, recent.processing_ms, recent.queue_ms,
        (SELECT COUNT(*) FROM ${jobs} WHERE ${completed} AND completed_at < ${weekAgo})
          + (SELECT COUNT(*) FROM ${jobs} WHERE ${completed} AND completed_at IS NULL) AS completed_before_week,
        (${this.inputFailedCount(userId, inputErrorCodes)}) AS input_failed
      FROM ${this.counts(userId)} AS counts
      CROSS JOIN (SELECT
          SUM(CASE WHEN completed_at >= ${hourAgo} THEN 1 ELSE 0 END) AS last_hour,
          COUNT(*) AS last_day,
          AVG(${this.driver.millisBetween('started_at', 'completed_at')}) AS processing_ms,
          AVG(${this.driver.millisBetween('created_at', 'started_at')}) AS queue_ms
        FROM ${jobs} WHERE ${completed} AND completed_at >= ${dayAgo}) AS recent`;
    // No row: no jobs in scope, so nothing completed either.
    const first = rows[0] ?? {};
    return {
      counts: rows.map((row) => ({
        status: String(row.status),
        format: String(row.format),
        priority: Number(row.priority),
        count: toNumber(row.count),
      })),
      completedBeforeWeek: toNumber(first.completed_before_week),
      inputFailed: toNumber(first.input_failed),
      lastHour: toNumber(first.last_hour),
      last24Hours: toNumber(first.last_day),
      averageProcessingTimeMs: toNullableNumber(first.processing_ms),
      averageQueueTimeMs: toNullableNumber(first.queue_ms),
    };
  }

  /**
   * COMPLETED and FAILED jobs by the period of `bucketMs` (counted from `since`) in which they ended, from the
   * (status, completed_at, ...) index. The statuses are literals so that PostgreSQL's partial index applies.
   */
  async outcomesSince(since: Date, bucketMs: number, userId: string | null | undefined): Promise<OutcomeCount[]> {
    const { raw } = this.prisma.fragments;
    const rows = await this.prisma.client.$queryRaw<{ bucket: unknown; status: string; count: unknown }[]>`
      SELECT bucket, status, COUNT(*) AS count FROM (
        SELECT ${this.driver.bucketSince('completed_at', since, bucketMs)} AS bucket, status FROM ${this.jobs(userId)}
        WHERE status IN (${raw(`'${JobStatus.COMPLETED}', '${JobStatus.FAILED}'`)}) AND completed_at >= ${since}
          AND ${this.owner(userId)}
      ) AS ended GROUP BY bucket, status`;
    return rows.map((row) => ({ bucket: Number(row.bucket), status: row.status, count: toNumber(row.count) }));
  }

  /** Failed attempts grouped by error code, most frequent first. */
  async errorCounts(userId: string | null | undefined): Promise<ErrorCount[]> {
    const scoped =
      userId === undefined
        ? this.prisma.fragments.empty
        : this.prisma.fragments.sql`AND job_id IN (SELECT id FROM processing_jobs WHERE ${this.owner(userId)})`;
    const rows = await this.prisma.client.$queryRaw<{ error_code: string; count: unknown; last_seen: unknown }[]>`
      SELECT error_code, COUNT(*) AS count, MAX(finished_at) AS last_seen FROM job_attempts
      WHERE error_code IS NOT NULL ${scoped}
      GROUP BY error_code ORDER BY count DESC, error_code`;
    return rows.map((row) => ({ code: row.error_code, count: toNumber(row.count), lastSeenAt: toDate(row.last_seen) }));
  }

  async countInputFailures(userId: string | null | undefined, inputErrorCodes: readonly string[]): Promise<number> {
    const [row] = await this.prisma.client.$queryRaw<{ count: unknown }[]>(
      this.inputFailedCount(userId, inputErrorCodes),
    );
    return toNumber(row?.count);
  }

  /** Prisma reads `userId: undefined` as no condition and `null` as IS NULL, as owner() does. */
  countStalled(now: Date, userId: string | null | undefined): Promise<number> {
    return this.prisma.client.processingJob.count({
      where: { status: JobStatus.PROCESSING, leaseExpiresAt: { lt: now }, userId },
    });
  }

  /** When the longest-waiting due PENDING job (of one owner, or of all) became due (a job held back by runAt is not waiting). */
  async oldestDuePendingSince(now: Date, userId: string | null | undefined): Promise<Date | null> {
    // findFirst, not aggregate: Prisma 6.19 returns Invalid Date for _min of a DateTime stored as epoch ms (SQLite).
    const oldest = await this.prisma.client.processingJob.findFirst({
      where: { status: JobStatus.PENDING, availableAt: { lte: now }, userId },
      orderBy: { availableAt: 'asc' },
      select: { availableAt: true },
    });
    return oldest?.availableAt ?? null;
  }

  /**
   * Jobs by (status, format, priority) as a subquery. For all jobs: the tallies kept exact with every change of a
   * job's status (job_counts, one row per shard; migrations 20261129020000_job_counts and
   * 20261207100000_tallies_by_the_queue), a few hundred rows instead of an index entry per job. For one owner: a
   * grouped scan of that owner's jobs (the tallies are not per owner).
   */
  private counts(userId: string | null | undefined): Prisma.Sql {
    const { sql } = this.prisma.fragments;
    if (userId === undefined) {
      return sql`(SELECT status, format, priority, SUM(count) AS count FROM job_counts
                  GROUP BY status, format, priority HAVING SUM(count) <> 0)`;
    }
    return sql`(SELECT status, format, priority, COUNT(*) AS count FROM processing_jobs WHERE ${this.owner(userId)}
                GROUP BY status, format, priority)`;
  }

  /**
   * The count of FAILED jobs with one of `inputErrorCodes`, of one owner or (undefined) of all, from the partial index
   * on the failed jobs' error codes (processing_jobs_failed_error_code_idx on SQLite, job_states_failed_error_code_idx
   * on PostgreSQL). The status is a literal: neither database can count on proving a partial index's predicate from a
   * bound parameter (SQLite only once it re-prepares a statement with its values bound; PostgreSQL not in a generic
   * plan), and SQLite is told the index: without it, 1M jobs of which 100k FAILED took it 118-177 ms through another status index, against 1.8 ms.
   * Public for test/database/stats-plan.spec.ts, which pins the plan.
   */
  inputFailedCount(userId: string | null | undefined, inputErrorCodes: readonly string[]): Prisma.Sql {
    const { sql, join, raw } = this.prisma.fragments;
    if (inputErrorCodes.length === 0) return sql`SELECT 0 AS count`; // IN () is no SQL
    return sql`SELECT COUNT(*) AS count FROM ${this.jobs(userId)} ${this.driver.indexedBy('processing_jobs_failed_error_code_idx')}
      WHERE status = ${raw(`'${JobStatus.FAILED}'`)} AND error_code IN (${join([...inputErrorCodes])})
        AND ${this.owner(userId)}`;
  }

  /**
   * Where the jobs' states are read: over every job, the table that holds them alone (the driver's jobStates, with
   * the status indexes); for one owner, the jobs as a whole, reached through the owner's index on the record.
   */
  private jobs(userId: string | null | undefined): Prisma.Sql {
    return this.prisma.fragments.raw(userId === undefined ? this.driver.jobStates : 'processing_jobs');
  }

  private owner(userId: string | null | undefined): Prisma.Sql {
    return ownedBy(this.prisma.fragments, userId);
  }
}
