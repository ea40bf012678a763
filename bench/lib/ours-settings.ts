import type { JobQueueModuleOptions } from '../../src/job-queue/worker';
import type { BenchDatabase } from './databases';

/** No-op jobs finish at once, so many run side by side; the fallback poll stays at its documented default. */
export const OURS_SETTINGS = { workerConcurrency: Number(process.env.OURS_C ?? 100), pollIntervalMs: 5_000 } as const;

export const queueOptions = (db: BenchDatabase, workersEnabled: boolean): JobQueueModuleOptions => ({
  databaseUrl: db.url,
  storageDir: `${db.dir}/files`,
  workersEnabled,
  ...OURS_SETTINGS,
});
