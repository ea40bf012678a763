import { Inject, Injectable } from '@nestjs/common';
import { JOB_QUEUE_OPTIONS } from '../job-queue.constants';
import type { HealthThresholds, ResolvedJobQueueOptions } from '../job-queue.options';
import { HealthStatus, type QueueHealth } from './models/queue-health.model';
import { countByStatus, successRate } from './stats.service';
import { StatsRepository } from './stats.repository';

interface HealthFigures {
  pendingCount: number;
  stalledCount: number;
  successRate: number | null;
  oldestPendingAgeMs: number | null;
}

const percent = (rate: number) => `${(rate * 100).toFixed(1)} %`;

/** Every threshold the figures cross, with the status it calls for and a line naming figure and threshold. */
export function crossedThresholds(figures: HealthFigures, limits: HealthThresholds): { status: HealthStatus; issue: string }[] {
  const crossed: { status: HealthStatus; issue: string }[] = [];
  const rate = figures.successRate;
  if (rate !== null && rate < limits.successRateUnhealthy) {
    crossed.push({ status: HealthStatus.UNHEALTHY, issue: `Success rate ${percent(rate)} is below ${percent(limits.successRateUnhealthy)}` });
  } else if (rate !== null && rate < limits.successRateDegraded) {
    crossed.push({ status: HealthStatus.DEGRADED, issue: `Success rate ${percent(rate)} is below ${percent(limits.successRateDegraded)}` });
  }
  if (figures.stalledCount > limits.stalledUnhealthy) {
    crossed.push({ status: HealthStatus.UNHEALTHY, issue: `${figures.stalledCount} stalled jobs (more than ${limits.stalledUnhealthy})` });
  } else if (figures.stalledCount > limits.stalledDegraded) {
    crossed.push({ status: HealthStatus.DEGRADED, issue: `${figures.stalledCount} stalled jobs (more than ${limits.stalledDegraded})` });
  }
  if (figures.pendingCount > limits.pendingDegraded) {
    crossed.push({ status: HealthStatus.DEGRADED, issue: `${figures.pendingCount} pending jobs (more than ${limits.pendingDegraded})` });
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
  constructor(
    private readonly stats: StatsRepository,
    @Inject(JOB_QUEUE_OPTIONS) private readonly options: ResolvedJobQueueOptions,
  ) {}

  async check(now = new Date()): Promise<QueueHealth> {
    const [counts, stalledCount, oldestDue] = await Promise.all([
      this.stats.countsByStatusFormatPriority(undefined),
      this.stats.countStalled(now),
      this.stats.oldestDuePendingSince(now),
    ]);
    const byStatus = countByStatus(counts);
    const figures: HealthFigures = {
      pendingCount: byStatus.PENDING,
      stalledCount,
      successRate: successRate(byStatus.COMPLETED, byStatus.FAILED),
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
