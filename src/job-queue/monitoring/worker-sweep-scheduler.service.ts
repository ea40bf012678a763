import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { JOB_QUEUE_OPTIONS } from '../job-queue.constants';
import type { ResolvedJobQueueOptions } from '../job-queue.options';
import { CleanupService } from './cleanup.service';
import { StalledJobsService } from './stalled-jobs.service';
import { Sweep, SweepLock } from './sweep-lock';
import { scheduleSweeps } from './sweep-schedule';

/**
 * A worker-only instance's periodic work (JobQueueWorkerModule): stalled recovery under the health check's lock
 * (a full instance's health check recovers stalled jobs too, so one instance at a time does it), and the cleanup.
 * Health is evaluated and published by full instances only: it reads statistics a worker does not load.
 */
@Injectable()
export class WorkerSweepScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(WorkerSweepScheduler.name);

  constructor(
    private readonly registry: SchedulerRegistry,
    private readonly stalled: StalledJobsService,
    private readonly cleanup: CleanupService,
    private readonly lock: SweepLock,
    @Inject(JOB_QUEUE_OPTIONS) private readonly options: ResolvedJobQueueOptions,
  ) {}

  onApplicationBootstrap(): void {
    scheduleSweeps(
      this.registry,
      this.options.healthCheckIntervalMs,
      {
        round: () => this.lock.runExclusive(Sweep.HEALTH_CHECK, () => this.stalled.recover()),
        cleanup: () => this.lock.runExclusive(Sweep.CLEANUP, () => this.cleanup.cleanup()),
      },
      this.logger,
    );
  }
}
