import { Inject, Injectable } from '@nestjs/common';
import type { QueueDriver } from '../database/queue-driver';
import { QUEUE_DRIVER } from '../job-queue.constants';

/** Keys of the sweeps that only one instance may run at a time. */
export enum Sweep {
  HEALTH_CHECK = 7_311_402_101,
  CLEANUP = 7_311_402_102,
}

/**
 * Runs a sweep on one instance at a time under the driver's lock (PostgreSQL: a session advisory lock): another
 * instance that finds it taken skips its turn.
 */
@Injectable()
export class SweepLock {
  constructor(@Inject(QUEUE_DRIVER) private readonly driver: QueueDriver) {}

  /** Returns the sweep's result, or undefined when another instance holds the sweep. */
  runExclusive<T>(sweep: Sweep, work: () => Promise<T>): Promise<T | undefined> {
    return this.driver.runExclusive({ key: sweep, name: Sweep[sweep] }, work);
  }
}
