import type { JobQueueModuleOptions } from '../../src/job-queue/worker';
import type { BenchDatabase } from './databases';

/**
 * No-op jobs finish at once, so many run side by side; the fallback poll stays at its documented default.
 * `workerConcurrency` is the option's limit, the fastest setting, as each peer runs in its fastest configuration: a
 * pool claims for its free slots, so it is also the size of the claims. Against 100, three alternating rounds with
 * graphile-worker in each (5 Dec): burn-down 20,842-22,306 against 17,990-19,074 jobs/s at one instance (+16 %),
 * 22,147-23,091 against 19,290-20,343 at two (+13 %), the worker's CPU 466-479 against 523-539 ms; peak RSS
 * 109-110 MB against 107-108 (graphile-worker 107-112). It was left at 100 while claims of 250 took the worker to
 * 174 MB (3 Dec), memory that the runner no longer keeps.
 */
export const OURS_SETTINGS = { workerConcurrency: Number(process.env.OURS_C ?? 256), pollIntervalMs: 5_000 } as const;

export const queueOptions = (db: BenchDatabase, workersEnabled: boolean): JobQueueModuleOptions => ({
  databaseUrl: db.url,
  storageDir: `${db.dir}/files`,
  workersEnabled,
  ...OURS_SETTINGS,
});
