import { Pool } from 'pg';
import type { BenchDatabase } from './databases';
import { loadPeer } from './peers';
import type { QueueAdapter } from './systems';
import { BULK_BATCH } from './systems';

/** The members of graphile-worker 0.18 the bench uses (its types: bench/peers/node_modules/graphile-worker/dist). */
interface Runner {
  addJob(identifier: string, payload: object): Promise<{ id: string }>;
  stop(): Promise<void>;
}
interface WorkerUtils {
  migrate(): Promise<void>;
  addJobs(specs: { identifier: string; payload: object }[]): Promise<unknown>;
  release(): Promise<void>;
}
type Task = (payload: unknown, helpers: { job: { id: string } }) => Promise<void>;
interface GraphileWorker {
  Logger: new (factory: () => () => void) => object;
  run(options: {
    noHandleSignals: boolean;
    logger: object;
    taskList: Record<string, Task>;
    preset: { worker: Record<string, unknown> };
  }): Promise<Runner>;
  makeWorkerUtils(options: { connectionString: string; logger: object }): Promise<WorkerUtils>;
}

const { module: graphile, version } = loadPeer<GraphileWorker>('graphile-worker');

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

const quiet = new graphile.Logger(() => () => undefined);

function startRunner(db: BenchDatabase, onStart?: (jobId: string) => void): Promise<Runner> {
  return graphile.run({
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
  version,
  settings:
    `concurrentJobs ${GRAPHILE_SETTINGS.concurrentJobs}, maxPoolSize ${GRAPHILE_SETTINGS.maxPoolSize}, ` +
    `localQueue.size ${GRAPHILE_SETTINGS.localQueue.size}, completeJobBatchDelay ${GRAPHILE_SETTINGS.completeJobBatchDelay}, ` +
    `failJobBatchDelay ${GRAPHILE_SETTINGS.failJobBatchDelay}, pollInterval 2000 (default); enqueue via workerUtils.addJobs`,

  async openProducer(db) {
    const utils = await graphile.makeWorkerUtils({ connectionString: db.url, logger: quiet });
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
