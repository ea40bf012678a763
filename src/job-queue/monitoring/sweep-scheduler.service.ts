import { Inject, Injectable, Logger, OnApplicationBootstrap, Optional } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { JOB_QUEUE_OPTIONS } from '../job-queue.constants';
import type { ResolvedJobQueueOptions } from '../job-queue.options';
import { CleanupService } from './cleanup.service';
import { StalledJobsService } from './stalled-jobs.service';
import { Sweep, SweepLock } from './sweep-lock';

export const HEALTH_CHECK_INTERVAL_NAME = 'file-jobs:health-check';
export const CLEANUP_CRON_NAME = 'file-jobs:cleanup';
/** Cleanup runs at minute 17 of every hour (off the hour, when other crons pile up). */
export const CLEANUP_CRON = '0 17 * * * *';

/** A full instance's health check (MonitoringService): stalled recovery, health, its event, under one lock. */
export const HEALTH_CHECK_ROUND = Symbol('HEALTH_CHECK_ROUND');
export interface HealthCheckRound {
  runHealthCheck(): Promise<unknown>;
}

/**
 * Registers an instance's periodic work with @nestjs/schedule, which removes it at shutdown: a round every
 * `healthCheckIntervalMs`, and the cleanup by CLEANUP_CRON. The round is the health check where the module provides
 * one (HEALTH_CHECK_ROUND: MonitoringModule), and stalled recovery alone on a worker-only instance
 * (JobQueueWorkerModule), under the same lock, so one instance at a time recovers. A sweep that fails is logged and
 * tried at its next turn.
 */
@Injectable()
export class SweepScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(SweepScheduler.name);

  constructor(
    private readonly registry: SchedulerRegistry,
    private readonly stalled: StalledJobsService,
    private readonly cleanup: CleanupService,
    private readonly lock: SweepLock,
    @Inject(JOB_QUEUE_OPTIONS) private readonly options: ResolvedJobQueueOptions,
    @Optional() @Inject(HEALTH_CHECK_ROUND) private readonly healthCheck?: HealthCheckRound,
  ) {}

  onApplicationBootstrap(): void {
    const round = () =>
      this.healthCheck
        ? this.healthCheck.runHealthCheck()
        : this.lock.runExclusive(Sweep.HEALTH_CHECK, () => this.stalled.recover());
    const cleanup = () => this.lock.runExclusive(Sweep.CLEANUP, () => this.cleanup.cleanup());
    this.registry.addInterval(
      HEALTH_CHECK_INTERVAL_NAME,
      setInterval(this.guarded('health check', round), this.options.healthCheckIntervalMs),
    );
    this.registry.addCronJob(
      CLEANUP_CRON_NAME,
      CronJob.from({ cronTime: CLEANUP_CRON, onTick: this.guarded('cleanup', cleanup), start: true }),
    );
  }

  private guarded(name: string, work: () => Promise<unknown>): () => void {
    return () => void work().catch((error: Error) => this.logger.warn(`${name} failed: ${error.message}`));
  }
}
