import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { JobStatus } from '../../common/job.enums';
import { LocalJobEvents } from '../../events/local-job-events';
import { countByStatus } from '../stats.service';
import { StatsRepository } from '../stats.repository';

const SECONDS_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

/**
 * Prometheus metrics in a registry of the queue's own (a host's default registry is left alone). Queue-wide
 * gauges are read from the database at scrape time; counters and histograms count this instance's work, so a
 * scrape of every instance adds up to the whole.
 */
@Injectable()
export class MetricsService implements OnModuleDestroy {
  readonly registry = new Registry();
  private readonly unsubscribe: () => void;

  constructor(stats: StatsRepository, local: LocalJobEvents) {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'file_jobs_jobs',
      help: 'Jobs in the queue by status',
      labelNames: ['status'],
      registers: [this.registry],
      async collect() {
        const byStatus = countByStatus(await stats.countsByStatusFormatPriority(undefined));
        for (const status of Object.values(JobStatus)) this.set({ status }, byStatus[status]);
      },
    });
    new Gauge({
      name: 'file_jobs_stalled_jobs',
      help: 'PROCESSING jobs whose lease ran out',
      registers: [this.registry],
      async collect() {
        this.set(await stats.countStalled(new Date()));
      },
    });
    const finished = new Counter({
      name: 'file_jobs_finished_total',
      help: 'Attempts this instance finished, by format and outcome (COMPLETED, RETRYING, FAILED, CANCELLED)',
      labelNames: ['format', 'outcome'],
      registers: [this.registry],
    });
    const retries = new Counter({
      name: 'file_jobs_retries_total',
      help: 'Failed attempts this instance scheduled for a retry',
      registers: [this.registry],
    });
    const processing = new Histogram({
      name: 'file_jobs_processing_seconds',
      help: 'Start to completion of the jobs this instance completed',
      labelNames: ['format'],
      buckets: SECONDS_BUCKETS,
      registers: [this.registry],
    });
    const queued = new Histogram({
      name: 'file_jobs_queue_seconds',
      help: 'Creation to start of the jobs this instance completed',
      labelNames: ['format'],
      buckets: SECONDS_BUCKETS,
      registers: [this.registry],
    });
    this.unsubscribe = local.onSettled(({ job, outcome, finishedAt }) => {
      finished.inc({ format: job.format, outcome });
      if (outcome === JobStatus.RETRYING) retries.inc();
      if (outcome !== JobStatus.COMPLETED || !job.startedAt) return;
      processing.observe({ format: job.format }, (finishedAt.getTime() - job.startedAt.getTime()) / 1000);
      queued.observe({ format: job.format }, (job.startedAt.getTime() - job.createdAt.getTime()) / 1000);
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe();
  }

  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
