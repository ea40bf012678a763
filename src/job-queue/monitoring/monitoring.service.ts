import { Injectable, Logger } from '@nestjs/common';
import { JobEventBus } from '../events/job-event-bus';
import { JobTopics } from '../events/job-events';
import { HealthService } from './health.service';
import type { QueueHealth } from './models/queue-health.model';
import { StalledJobsService } from './stalled-jobs.service';
import { Sweep, SweepLock } from './sweep-lock';

/** The periodic health check: recover stalled jobs, evaluate health, publish it. Also open to host code. */
@Injectable()
export class MonitoringService {
  private readonly logger = new Logger(MonitoringService.name);

  constructor(
    private readonly health: HealthService,
    private readonly stalled: StalledJobsService,
    private readonly lock: SweepLock,
    private readonly bus: JobEventBus,
  ) {}

  /** One scheduled round (skipped when another instance runs it right now). */
  async runHealthCheck(): Promise<QueueHealth | undefined> {
    return this.lock.runExclusive(Sweep.HEALTH_CHECK, async () => {
      await this.stalled.recover();
      const health = await this.health.check();
      await this.bus.publish(JobTopics.queueHealth, { ...health });
      return health;
    });
  }

  /**
   * Calls `onResult` with a fresh health result every `intervalMs` (and once at once); returns a function that
   * stops it. For host code that wants health in-process rather than over GraphQL.
   */
  startHealthMonitoring(
    intervalMs: number,
    onResult: (health: QueueHealth) => void,
    onError?: (error: Error) => void,
  ): () => void {
    let stopped = false;
    const tick = () =>
      this.health
        .check()
        .then((health) => !stopped && onResult(health))
        .catch((error: Error) =>
          onError ? onError(error) : this.logger.warn(`health check failed: ${error.message}`),
        );
    void tick();
    const timer = setInterval(() => void tick(), intervalMs);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }
}
