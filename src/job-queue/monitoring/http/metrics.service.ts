import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { JobStatus } from '../../common/job.enums';
import type { QueueDriver } from '../../database/queue-driver';
import { LocalJobEvents } from '../../events/local-job-events';
import { QUEUE_DRIVER } from '../../job-queue.constants';
import { FileProcessorRegistry } from '../../workers/file-processor.registry';
import { HealthService } from '../health.service';
import { HealthStatus, type QueueHealth } from '../models/queue-health.model';
import { countByStatus } from '../stats.service';
import { PerJobCounter, PerJobHistogram } from './per-job-metrics';

const SECONDS_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];
/**
 * An attempt runs from a few milliseconds (a small text file: the burn-down finishes 10,000+ a second on 2 cores)
 * to minutes (a large PDF) and up to the attempt timeout: 5 ms at the bottom so that small files do not all fall
 * in one bucket, 30 min at the top for the longest documented timeouts; 15 buckets per format and outcome.
 */
const ATTEMPT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800];
/**
 * A stage is a share of an attempt, often under a millisecond for a small file (VALIDATING is one file lookup):
 * 1 ms at the bottom separates "instant" from "did real work"; 5 min at the top covers extracting a large file.
 */
const STAGE_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60, 300];

/**
 * The `format` label of formats without a processor. A format is whatever extension a client sends, and each label
 * value is a series of its own (per outcome and histogram bucket) kept until the process ends: 50 made-up
 * extensions made 50 more series of file_jobs_finished_total alone. Formats with a processor are few and known.
 */
export const OTHER_FORMAT_LABEL = 'other';

/**
 * Prometheus metrics in a registry of the queue's own (a host's default registry is left alone). Queue-wide
 * gauges are read from the database at scrape time; counters and histograms count this instance's work, so a
 * scrape of every instance adds up to the whole.
 */
@Injectable()
export class MetricsService implements OnModuleDestroy {
  readonly registry = new Registry();
  private readonly unsubscribe: () => void;

  /** A scrape's queue health, shared by the gauges it collects (one health check per scrape, not one per gauge). */
  private scrapeHealth: Promise<QueueHealth> | null = null;

  constructor(
    @Inject(QUEUE_DRIVER) driver: QueueDriver,
    local: LocalJobEvents,
    health: HealthService,
    processors: FileProcessorRegistry,
  ) {
    const currentHealth = () => {
      this.scrapeHealth ??= health.check().finally(() => setImmediate(() => (this.scrapeHealth = null)));
      return this.scrapeHealth;
    };
    const formatLabel = (format: string) => (processors.get(format) ? format : OTHER_FORMAT_LABEL);
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'file_jobs_jobs',
      help: 'Jobs in the queue by status',
      labelNames: ['status'],
      registers: [this.registry],
      async collect() {
        const byStatus = countByStatus(await driver.statistics.countsByStatusFormatPriority(undefined));
        for (const status of Object.values(JobStatus)) this.set({ status }, byStatus[status]);
      },
    });
    new Gauge({
      name: 'file_jobs_stalled_jobs',
      help: 'PROCESSING jobs whose lease ran out',
      registers: [this.registry],
      async collect() {
        this.set((await currentHealth()).stalledCount);
      },
    });
    new Gauge({
      name: 'file_jobs_queue_health',
      help: 'The queue health (as queueHealth and /health/queue): 1 for the current status, 0 for the others',
      labelNames: ['status'],
      registers: [this.registry],
      async collect() {
        const current = (await currentHealth()).status;
        for (const status of Object.values(HealthStatus)) this.set({ status }, status === current ? 1 : 0);
      },
    });
    new Gauge({
      name: 'file_jobs_failed_jobs',
      help: 'FAILED jobs by cause: input (the file was at fault: malformed, invalid, unsupported, too large) or system',
      labelNames: ['cause'],
      registers: [this.registry],
      async collect() {
        const current = await currentHealth();
        this.set({ cause: 'input' }, current.inputFailedCount);
        this.set({ cause: 'system' }, current.systemFailedCount);
      },
    });
    new Gauge({
      name: 'file_jobs_success_rate',
      help: 'COMPLETED / (COMPLETED + FAILED) over failures "all", or over "system" failures only (what health judges); absent while none',
      labelNames: ['failures'],
      registers: [this.registry],
      async collect() {
        const current = await currentHealth();
        this.reset();
        if (current.successRate !== null) this.set({ failures: 'all' }, current.successRate);
        if (current.systemSuccessRate !== null) this.set({ failures: 'system' }, current.systemSuccessRate);
      },
    });
    const finished = new PerJobCounter({
      name: 'file_jobs_finished_total',
      help: 'Attempts this instance finished, by format ("other" for formats without a processor) and outcome (COMPLETED, RETRYING, FAILED, CANCELLED)',
      labelNames: ['format', 'outcome'],
      registry: this.registry,
    });
    const retries = new Counter({
      name: 'file_jobs_retries_total',
      help: 'Failed attempts this instance scheduled for a retry',
      registers: [this.registry],
    });
    const processing = new PerJobHistogram({
      name: 'file_jobs_processing_seconds',
      help: 'Start to completion of the jobs this instance completed',
      labelNames: ['format'],
      buckets: SECONDS_BUCKETS,
      registry: this.registry,
    });
    const queued = new PerJobHistogram({
      name: 'file_jobs_queue_seconds',
      help: 'Creation to start of the jobs this instance completed',
      labelNames: ['format'],
      buckets: SECONDS_BUCKETS,
      registry: this.registry,
    });
    const attempts = new PerJobHistogram({
      name: 'file_jobs_attempt_seconds',
      help: 'Claim to committed outcome of the attempts this instance finished, by format ("other" for formats without a processor) and outcome',
      labelNames: ['format', 'outcome'],
      buckets: ATTEMPT_BUCKETS,
      registry: this.registry,
    });
    const stages = new PerJobHistogram({
      name: 'file_jobs_stage_seconds',
      help: 'Time spent in each processing stage by the attempts this instance ran (the last stage ends with the commit)',
      labelNames: ['stage'],
      buckets: STAGE_BUCKETS,
      registry: this.registry,
    });
    const stopStages = local.onStageFinished(({ stage, seconds }) => stages.observe(seconds, stage));
    const stopSettled = local.onSettled(({ job, outcome, finishedAt }) => {
      const format = formatLabel(job.format);
      finished.inc(format, outcome);
      if (outcome === JobStatus.RETRYING) retries.inc();
      if (job.startedAt) attempts.observe((finishedAt.getTime() - job.startedAt.getTime()) / 1000, format, outcome);
      if (outcome !== JobStatus.COMPLETED || !job.startedAt) return;
      processing.observe((finishedAt.getTime() - job.startedAt.getTime()) / 1000, format);
      queued.observe((job.startedAt.getTime() - job.createdAt.getTime()) / 1000, format);
    });
    this.unsubscribe = () => {
      stopStages();
      stopSettled();
    };
  }

  onModuleDestroy(): void {
    this.unsubscribe();
  }

  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
