import { Inject, Injectable } from '@nestjs/common';
import { type Caller, ownerScope } from '../common/caller';
import type { JobStatistics } from '../database/job-statistics';
import type { QueueDriver } from '../database/queue-driver';
import { JOB_QUEUE_OPTIONS, QUEUE_DRIVER } from '../job-queue.constants';
import type { HealthThresholds, ResolvedJobQueueOptions } from '../job-queue.options';
import { INPUT_ERROR_CODES } from './input-errors';
import { HealthStatus, type QueueHealth } from './models/queue-health.model';
import { countByStatus, type SuccessFigures, successFigures } from './stats.service';

interface HealthFigures extends SuccessFigures {
  pendingCount: number;
  stalledCount: number;
  oldestPendingAgeMs: number | null;
}

const percent = (rate: number) => `${(rate * 100).toFixed(1)} %`;
const failures = (count: number, kind: string) => `${count} ${kind} failure${count === 1 ? '' : 's'}`;

/** "Success rate 66.7 % is below 70.0 % (2 system failures; 4 input failures not counted, 40.0 % with them)". */
function successRateIssue(figures: HealthFigures, systemRate: number, limit: number): string {
  const inputs =
    figures.inputFailedCount === 0
      ? 'no input failures'
      : `${failures(figures.inputFailedCount, 'input')} not counted, ${percent(figures.successRate ?? 0)} with them`;
  return `Success rate ${percent(systemRate)} is below ${percent(limit)} (${failures(figures.systemFailedCount, 'system')}; ${inputs})`;
}

/**
 * Every threshold the figures cross, with the status it calls for and a line naming figure and threshold. The
 * success-rate thresholds judge the system success rate: a user's malformed files are not the queue's failures.
 */
export function crossedThresholds(
  figures: HealthFigures,
  limits: HealthThresholds,
): { status: HealthStatus; issue: string }[] {
  const crossed: { status: HealthStatus; issue: string }[] = [];
  const rate = figures.systemSuccessRate;
  if (rate !== null && rate < limits.successRateUnhealthy) {
    crossed.push({
      status: HealthStatus.UNHEALTHY,
      issue: successRateIssue(figures, rate, limits.successRateUnhealthy),
    });
  } else if (rate !== null && rate < limits.successRateDegraded) {
    crossed.push({ status: HealthStatus.DEGRADED, issue: successRateIssue(figures, rate, limits.successRateDegraded) });
  }
  if (figures.stalledCount > limits.stalledUnhealthy) {
    crossed.push({
      status: HealthStatus.UNHEALTHY,
      issue: `${figures.stalledCount} stalled jobs (more than ${limits.stalledUnhealthy})`,
    });
  } else if (figures.stalledCount > limits.stalledDegraded) {
    crossed.push({
      status: HealthStatus.DEGRADED,
      issue: `${figures.stalledCount} stalled jobs (more than ${limits.stalledDegraded})`,
    });
  }
  if (figures.pendingCount > limits.pendingDegraded) {
    crossed.push({
      status: HealthStatus.DEGRADED,
      issue: `${figures.pendingCount} pending jobs (more than ${limits.pendingDegraded})`,
    });
  }
  if (figures.oldestPendingAgeMs !== null && figures.oldestPendingAgeMs > limits.oldestPendingDegradedMs) {
    crossed.push({
      status: HealthStatus.DEGRADED,
      issue: `Oldest pending job has waited ${Math.round(figures.oldestPendingAgeMs / 1000)} s (more than ${Math.round(limits.oldestPendingDegradedMs / 1000)} s)`,
    });
  }
  return crossed;
}

/** HEALTHY, DEGRADED or UNHEALTHY by the configured thresholds. */
@Injectable()
export class HealthService {
  private readonly stats: JobStatistics;

  constructor(
    @Inject(QUEUE_DRIVER) private readonly driver: QueueDriver,
    @Inject(JOB_QUEUE_OPTIONS) private readonly options: ResolvedJobQueueOptions,
  ) {
    this.stats = driver.statistics;
  }

  /** The whole queue's health: for the scheduler, the health endpoints, /metrics and admins. */
  check(): Promise<QueueHealth> {
    return this.evaluate(undefined);
  }

  /** Health as `caller` may see it: an admin's is the whole queue's; anyone else's is computed over their own jobs. */
  checkFor(caller: Caller): Promise<QueueHealth> {
    return this.evaluate(ownerScope(caller));
  }

  /**
   * By the database's clock, which set the leases and due times: an instance whose own clock ran ahead counted live
   * jobs as stalled, and health checks from several instances are ordered by one clock (checkedAt).
   */
  private async evaluate(userId: string | null | undefined): Promise<QueueHealth> {
    const now = await this.driver.databaseTime();
    const [counts, stalledCount, oldestDue, inputFailed] = await Promise.all([
      this.stats.countsByStatusFormatPriority(userId),
      this.stats.countStalled(now, userId),
      this.stats.oldestDuePendingSince(now, userId),
      this.stats.countInputFailures(userId, INPUT_ERROR_CODES),
    ]);
    const byStatus = countByStatus(counts);
    const figures: HealthFigures = {
      pendingCount: byStatus.PENDING,
      stalledCount,
      ...successFigures(byStatus.COMPLETED, byStatus.FAILED, inputFailed),
      oldestPendingAgeMs: oldestDue ? Math.max(0, now.getTime() - oldestDue.getTime()) : null,
    };
    const crossed = crossedThresholds(figures, this.options.healthThresholds);
    const status = crossed.some((entry) => entry.status === HealthStatus.UNHEALTHY)
      ? HealthStatus.UNHEALTHY
      : crossed.length > 0
        ? HealthStatus.DEGRADED
        : HealthStatus.HEALTHY;
    return {
      ...figures,
      status,
      issues: crossed.map((entry) => entry.issue),
      processingCount: byStatus.PROCESSING,
      failedCount: byStatus.FAILED,
      checkedAt: now,
    };
  }
}
