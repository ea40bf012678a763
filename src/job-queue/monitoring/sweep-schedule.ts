import type { Logger } from '@nestjs/common';
import type { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';

export const HEALTH_CHECK_INTERVAL_NAME = 'file-jobs:health-check';
export const CLEANUP_CRON_NAME = 'file-jobs:cleanup';
/** Cleanup runs at minute 17 of every hour (off the hour, when other crons pile up). */
export const CLEANUP_CRON = '0 17 * * * *';

/** The periodic work of an instance: a round (stalled recovery, and on full instances health) and the cleanup. */
export interface SweepWork {
  round: () => Promise<unknown>;
  cleanup: () => Promise<unknown>;
}

/**
 * Registers an instance's sweeps with @nestjs/schedule, which removes them at shutdown: the round every
 * `intervalMs`, the cleanup by CLEANUP_CRON. A sweep that fails is logged and tried at its next turn.
 */
export function scheduleSweeps(registry: SchedulerRegistry, intervalMs: number, work: SweepWork, logger: Logger): void {
  const guard = (name: string, run: () => Promise<unknown>) => () =>
    void run().catch((error: Error) => logger.warn(`${name} failed: ${error.message}`));
  registry.addInterval(HEALTH_CHECK_INTERVAL_NAME, setInterval(guard('health check', work.round), intervalMs));
  registry.addCronJob(
    CLEANUP_CRON_NAME,
    CronJob.from({ cronTime: CLEANUP_CRON, onTick: guard('cleanup', work.cleanup), start: true }),
  );
}
