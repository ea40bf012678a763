import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { JOB_QUEUE_OPTIONS } from '../job-queue.constants';
import type { ResolvedJobQueueOptions } from '../job-queue.options';
import { CleanupService } from './cleanup.service';
import { MonitoringService } from './monitoring.service';
import { Sweep, SweepLock } from './sweep-lock';
import { scheduleSweeps } from './sweep-schedule';

/** A full instance's periodic work: the health check (stalled recovery, health, its event) and the cleanup. */
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
    scheduleSweeps(
      this.registry,
      this.options.healthCheckIntervalMs,
      {
        round: () => this.monitoring.runHealthCheck(),
        cleanup: () => this.lock.runExclusive(Sweep.CLEANUP, () => this.cleanup.cleanup()),
      },
      this.logger,
    );
  }
}
