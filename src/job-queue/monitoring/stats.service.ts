import { Inject, Injectable } from '@nestjs/common';
import { ownerScope, type Caller } from '../common/caller';
import { JobPriority, JobStatus, priorityToRank, rankToPriority } from '../common/job.enums';
import type { JobStatistics, StatusFormatPriorityCount } from '../database/job-statistics';
import type { QueueDriver } from '../database/queue-driver';
import { QUEUE_DRIVER } from '../job-queue.constants';
import type { JobStats } from './models/job-stats.model';
import { INPUT_ERROR_CODES } from './input-errors';

const PRIORITIES_HIGH_FIRST = [JobPriority.HIGH, JobPriority.NORMAL, JobPriority.LOW];

export function successRate(completed: number, failed: number): number | null {
  return completed + failed === 0 ? null : completed / (completed + failed);
}

/** The FAILED jobs split by cause, and the success rate with and without the input failures. */
export interface SuccessFigures {
  successRate: number | null;
  systemSuccessRate: number | null;
  inputFailedCount: number;
  systemFailedCount: number;
}

export function successFigures(completed: number, failed: number, inputFailed: number): SuccessFigures {
  const systemFailedCount = Math.max(0, failed - inputFailed);
  return {
    successRate: successRate(completed, failed),
    systemSuccessRate: successRate(completed, systemFailedCount),
    inputFailedCount: inputFailed,
    systemFailedCount,
  };
}

export function countByStatus(counts: StatusFormatPriorityCount[]): Record<JobStatus, number> {
  const byStatus = Object.fromEntries(Object.values(JobStatus).map((status) => [status, 0])) as Record<
    JobStatus,
    number
  >;
  for (const row of counts) if (row.status in byStatus) byStatus[row.status as JobStatus] += row.count;
  return byStatus;
}

/** Queue statistics, computed by grouped queries in the database. */
@Injectable()
export class StatsService {
  /** Computations under way, by owner scope. */
  private readonly running = new Map<string, Promise<JobStats>>();

  private readonly stats: JobStatistics;

  constructor(@Inject(QUEUE_DRIVER) private readonly driver: QueueDriver) {
    this.stats = driver.statistics;
  }

  /**
   * Computed afresh for each request, except that requests arriving while one for the same scope is under way share
   * its result: at a million jobs a computation costs the database a few hundred milliseconds of CPU, and dashboards
   * polling together would otherwise queue up copies of the same work. An explicit `now` is always computed alone.
   * The windows (throughput, averages) end at the database's now, the clock its completion times are stamped by.
   */
  jobStats(caller: Caller, now?: Date): Promise<JobStats> {
    const scope = ownerScope(caller);
    if (now) return this.compute(scope, now);
    const key = scope === undefined ? 'all' : scope === null ? 'unowned' : `user:${scope}`;
    const running = this.running.get(key);
    if (running) return running;
    const computation = this.compute(scope).finally(() => this.running.delete(key));
    this.running.set(key, computation);
    return computation;
  }

  private async compute(scope: string | null | undefined, now?: Date): Promise<JobStats> {
    now ??= await this.driver.databaseTime();
    // On PostgreSQL the two run side by side, each on its own pooled connection.
    const [figures, errors] = await Promise.all([
      this.stats.jobFigures(now, scope, INPUT_ERROR_CODES),
      this.stats.errorCounts(scope),
    ]);
    const { counts, completedBeforeWeek } = figures;
    const byStatus = countByStatus(counts);
    const byFormat = new Map<string, number>();
    const byPriority = new Map<number, number>();
    for (const row of counts) {
      byFormat.set(row.format, (byFormat.get(row.format) ?? 0) + row.count);
      const rank = priorityToRank(rankToPriority(row.priority));
      byPriority.set(rank, (byPriority.get(rank) ?? 0) + row.count);
    }
    return {
      total: counts.reduce((sum, row) => sum + row.count, 0),
      byStatus: Object.values(JobStatus).map((status) => ({ status, count: byStatus[status] })),
      byFormat: [...byFormat]
        .map(([format, count]) => ({ format, count }))
        .sort((a, b) => b.count - a.count || a.format.localeCompare(b.format)),
      byPriority: PRIORITIES_HIGH_FIRST.map((priority) => ({
        priority,
        count: byPriority.get(priorityToRank(priority)) ?? 0,
      })),
      ...successFigures(byStatus.COMPLETED, byStatus.FAILED, figures.inputFailed),
      averageProcessingTimeMs: figures.averageProcessingTimeMs,
      averageQueueTimeMs: figures.averageQueueTimeMs,
      throughput: {
        lastHour: figures.lastHour,
        last24Hours: figures.last24Hours,
        last7Days: byStatus.COMPLETED - completedBeforeWeek,
      },
      errors,
    };
  }
}
