import { Injectable } from '@nestjs/common';
import { JobStatus } from '../common/job.enums';
import { type Prisma, PrismaService } from '../database/prisma.service';

const HOUR_MS = 3_600_000;

export interface StatusFormatPriorityCount {
  status: string;
  format: string;
  priority: number;
  count: number;
}

export interface CompletionFigures {
  lastHour: number;
  last24Hours: number;
  last7Days: number;
  averageProcessingTimeMs: number | null;
  averageQueueTimeMs: number | null;
}

export interface ErrorCount {
  code: string;
  count: number;
  lastSeenAt: Date | null;
}

const toNumber = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));
const toNullableNumber = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));
const toDate = (value: unknown): Date | null =>
  value === null || value === undefined ? null : value instanceof Date ? value : new Date(Number(value));

/**
 * The aggregate queries behind jobStats and queueHealth. They run in the database (grouped, over indexes), never
 * by loading jobs. `userId` restricts them to one owner's jobs (undefined: all jobs).
 */
@Injectable()
export class StatsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** One grouped scan (index-only on (status, format, priority)) serves totals by status, format and priority. */
  async countsByStatusFormatPriority(userId: string | null | undefined): Promise<StatusFormatPriorityCount[]> {
    const rows = await this.prisma.client.$queryRaw<{ status: string; format: string; priority: number; count: unknown }[]>`
      SELECT status, format, priority, COUNT(*) AS count FROM processing_jobs
      WHERE ${this.owner(userId)} GROUP BY status, format, priority`;
    return rows.map((row) => ({ status: row.status, format: row.format, priority: Number(row.priority), count: toNumber(row.count) }));
  }

  /** Completed-job throughput over 1 h / 24 h / 7 d, and average processing and queue times over 24 h. */
  async completionFigures(now: Date, userId: string | null | undefined): Promise<CompletionFigures> {
    const hourAgo = new Date(now.getTime() - HOUR_MS);
    const dayAgo = new Date(now.getTime() - 24 * HOUR_MS);
    const weekAgo = new Date(now.getTime() - 7 * 24 * HOUR_MS);
    const [row] = await this.prisma.client.$queryRaw<Record<string, unknown>[]>`
      SELECT
        SUM(CASE WHEN completed_at >= ${hourAgo} THEN 1 ELSE 0 END) AS last_hour,
        SUM(CASE WHEN completed_at >= ${dayAgo} THEN 1 ELSE 0 END) AS last_day,
        COUNT(*) AS last_week,
        AVG(CASE WHEN completed_at >= ${dayAgo} THEN ${this.millisBetween('started_at', 'completed_at')} END) AS processing_ms,
        AVG(CASE WHEN completed_at >= ${dayAgo} THEN ${this.millisBetween('created_at', 'started_at')} END) AS queue_ms
      FROM processing_jobs
      WHERE status = ${JobStatus.COMPLETED} AND completed_at >= ${weekAgo} AND ${this.owner(userId)}`;
    return {
      lastHour: toNumber(row.last_hour),
      last24Hours: toNumber(row.last_day),
      last7Days: toNumber(row.last_week),
      averageProcessingTimeMs: toNullableNumber(row.processing_ms),
      averageQueueTimeMs: toNullableNumber(row.queue_ms),
    };
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

  countStalled(now: Date): Promise<number> {
    return this.prisma.client.processingJob.count({ where: { status: JobStatus.PROCESSING, leaseExpiresAt: { lt: now } } });
  }

  /** When the longest-waiting due PENDING job became due (a job held back by runAt is not waiting). */
  async oldestDuePendingSince(now: Date): Promise<Date | null> {
    // findFirst, not aggregate: Prisma 6.19 returns Invalid Date for _min of a DateTime stored as epoch ms (SQLite).
    const oldest = await this.prisma.client.processingJob.findFirst({
      where: { status: JobStatus.PENDING, availableAt: { lte: now } },
      orderBy: { availableAt: 'asc' },
      select: { availableAt: true },
    });
    return oldest?.availableAt ?? null;
  }

  private owner(userId: string | null | undefined): Prisma.Sql {
    const { sql } = this.prisma.fragments;
    if (userId === undefined) return sql`1 = 1`;
    return userId === null ? sql`user_id IS NULL` : sql`user_id = ${userId}`;
  }

  /** Milliseconds between two timestamp columns: SQLite stores epoch milliseconds, PostgreSQL timestamptz. */
  private millisBetween(from: string, to: string): Prisma.Sql {
    return this.prisma.isPostgres
      ? this.prisma.fragments.raw(`EXTRACT(EPOCH FROM (${to} - ${from})) * 1000`)
      : this.prisma.fragments.raw(`(${to} - ${from})`);
  }
}
