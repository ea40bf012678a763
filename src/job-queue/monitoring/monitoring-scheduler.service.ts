import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { JOB_QUEUE_OPTIONS } from '../job-queue.constants';
import type { ResolvedJobQueueOptions } from '../job-queue.options';
import { CleanupService } from './cleanup.service';
import { MonitoringService } from './monitoring.service';
import { Sweep, SweepLock } from './sweep-lock';

export const HEALTH_CHECK_INTERVAL_NAME = 'file-jobs:health-check';
export const CLEANUP_CRON_NAME = 'file-jobs:cleanup';
/** Cleanup runs at minute 17 of every hour (off the hour, when other crons pile up). */
export const CLEANUP_CRON = '0 17 * * * *';

/** Registers the queue's periodic work with @nestjs/schedule (intervals and crons are removed at shutdown by it). */
@Injectable()
export class MonitoringScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(MonitoringScheduler.name);

  constructor(
    private readonly registry: SchedulerRegistry,
    private readonly monitoring: MonitoringService,
    private readonly cleanup: CleanupService,
    private readonly lock: SweepLock,
    @Inject(JOB_QUEUE_OPTIONS) private readonly options: ResolvedJobQueueOptions,
  ) {}

  onApplicationBootstrap(): void {
    const healthCheck = setInterval(
      () => void this.guard('health check', () => this.monitoring.runHealthCheck()),
      this.options.healthCheckIntervalMs,
    );
    this.registry.addInterval(HEALTH_CHECK_INTERVAL_NAME, healthCheck);
    const cleanup = CronJob.from({
      cronTime: CLEANUP_CRON,
      onTick: () =>
        void this.guard('cleanup', () => this.lock.runExclusive(Sweep.CLEANUP, () => this.cleanup.cleanup())),
      start: true,
    });
    this.registry.addCronJob(CLEANUP_CRON_NAME, cleanup);
  }

  private async guard(name: string, work: () => Promise<unknown>): Promise<void> {
    try {
      await work();
    } catch (error) {
      this.logger.warn(`${name} failed: ${(error as Error).message}`);
    }
  }
}
