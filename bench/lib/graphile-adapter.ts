import { Logger, makeWorkerUtils, run, type Runner, type WorkerUtils } from 'graphile-worker';
import { Pool } from 'pg';
import type { BenchDatabase } from './databases';
import type { QueueAdapter } from './systems';
import { BULK_BATCH } from './systems';
import { packageVersion } from './package-version';

/**
 * The configuration of graphile-worker's performance page ("Quick stats in optimal conditions"): a local queue
 * fetching jobs in batches, completions batched, a pool a little larger than the concurrency.
 */
export const GRAPHILE_SETTINGS = {
  concurrentJobs: Number(process.env.GW_C ?? 24),
  maxPoolSize: Number(process.env.GW_P ?? 25),
  localQueue: { size: Number(process.env.GW_L ?? 500) },
  completeJobBatchDelay: 0,
  failJobBatchDelay: 0,
} as const;

const quiet = new Logger(() => () => undefined);

function startRunner(db: BenchDatabase, onStart?: (jobId: string) => void): Promise<Runner> {
  return run({
    noHandleSignals: true,
    logger: quiet,
    taskList: {
      noop: async (_payload, helpers) => {
        onStart?.(helpers.job.id);
      },
    },
    preset: {
      worker: { connectionString: db.url, ...GRAPHILE_SETTINGS, localQueue: { ...GRAPHILE_SETTINGS.localQueue } },
    },
  });
}

export const graphileAdapter: QueueAdapter = {
  version: packageVersion(require.resolve('graphile-worker/package.json')),
  settings:
    `concurrentJobs ${GRAPHILE_SETTINGS.concurrentJobs}, maxPoolSize ${GRAPHILE_SETTINGS.maxPoolSize}, ` +
    `localQueue.size ${GRAPHILE_SETTINGS.localQueue.size}, completeJobBatchDelay ${GRAPHILE_SETTINGS.completeJobBatchDelay}, ` +
    `failJobBatchDelay ${GRAPHILE_SETTINGS.failJobBatchDelay}, pollInterval 2000 (default); enqueue via workerUtils.addJobs`,

  async openProducer(db) {
    const utils: WorkerUtils = await makeWorkerUtils({ connectionString: db.url, logger: quiet });
    await utils.migrate();
    const pool = new Pool({ connectionString: db.url, max: 1 });
    return {
      async enqueueBulk(count) {
        for (let start = 0; start < count; start += BULK_BATCH) {
          const size = Math.min(BULK_BATCH, count - start);
          await utils.addJobs(Array.from({ length: size }, () => ({ identifier: 'noop', payload: {} })));
        }
      },
      // Completed jobs are deleted; failed ones would stay (with attempts = max_attempts): none here.
      hasUnfinished: async () =>
        (await pool.query('SELECT 1 FROM graphile_worker._private_jobs LIMIT 1')).rowCount! > 0,
      close: async () => {
        await pool.end();
        await utils.release();
      },
    };
  },

  async openWorker(db) {
    let runner: Runner | null = null;
    return {
      async start(onStart) {
        runner = await startRunner(db, onStart);
      },
      stop: async () => runner?.stop(),
    };
  },

  async openLatencyRig(db, onStart) {
    const runner = await startRunner(db, onStart);
    return {
      enqueueOne: async () => (await runner.addJob('noop', {})).id,
      close: () => runner.stop(),
    };
  },
};
