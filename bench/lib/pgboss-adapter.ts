import type { BenchDatabase } from './databases';
import { loadPeer } from './peers';
import type { QueueAdapter } from './systems';
import { BULK_BATCH } from './systems';

/** The members of pg-boss 12 the bench uses (its types: bench/peers/node_modules/pg-boss/dist/types.d.ts). */
interface PgBossWorkOptions {
  localConcurrency: number;
  batchSize: number;
  pollingIntervalSeconds: number;
  burstWhenBatchFull: boolean;
}
interface PgBoss {
  on(event: 'error', listener: (error: Error) => void): unknown;
  start(): Promise<unknown>;
  stop(options: { graceful: boolean; timeout: number }): Promise<void>;
  createQueue(name: string, options: { notify: boolean }): Promise<void>;
  insert(name: string, jobs: { data: object }[]): Promise<string[] | null>;
  send(name: string, data: object): Promise<string | null>;
  work(name: string, options: PgBossWorkOptions, handler: (jobs: { id: string }[]) => Promise<void>): Promise<string>;
  getDb(): { executeSql(text: string, values: unknown[]): Promise<{ rows: unknown[] }> };
}
interface PgBossModule {
  PgBoss: new (options: {
    connectionString: string;
    max: number;
    supervise: boolean;
    schedule: boolean;
    useListenNotify: boolean;
  }) => PgBoss;
}

const { module: pgBoss, version } = loadPeer<PgBossModule>('pg-boss');

/**
 * pg-boss 12's batch worker: one work() call whose `localConcurrency` polling loops each fetch `batchSize` jobs
 * and complete them in one statement; `burstWhenBatchFull` fetches again at once while a fetch comes back full
 * (otherwise each loop sleeps `pollingIntervalSeconds`, at least 0.5 s, between fetches). LISTEN/NOTIFY is opt-in
 * twice (the instance's `useListenNotify` and the queue's `notify`): on for the latency rig, whose jobs arrive one
 * at a time; off for enqueue and burn-down, where the jobs are queued before the workers start and a NOTIFY per
 * insert would only cost. 4 loops × 1,000 was the fastest of the shapes tried (20,000 jobs, one run each, 2 cores
 * under other sessions' load, so ±30 %): 1 instance 18,222-29,050 jobs/s; 4 × 250: 14,872; 2 × 500: 14,739;
 * 8 × 100: 9,354; 1 × 1,000: 15,582; 4 × 2,000: 18,730; 8 × 1,000: 15,331; 2 × 2,000: 14,594.
 */
export const PGBOSS_SETTINGS = {
  localConcurrency: Number(process.env.PGB_W ?? 4),
  batchSize: Number(process.env.PGB_B ?? 1000),
  pollingIntervalSeconds: 0.5,
  burstWhenBatchFull: true,
  max: Number(process.env.PGB_MAX ?? 10),
} as const;
const QUEUE = 'noop';

async function startBoss(db: BenchDatabase, notify: boolean): Promise<PgBoss> {
  const boss = new pgBoss.PgBoss({
    connectionString: db.url,
    max: PGBOSS_SETTINGS.max,
    supervise: false,
    schedule: false,
    useListenNotify: notify,
  });
  boss.on('error', (error) => console.error(`pg-boss: ${error.message}`));
  await boss.start();
  await boss.createQueue(QUEUE, { notify });
  return boss;
}

function work(boss: PgBoss, onStart?: (jobId: string) => void): Promise<string> {
  const { localConcurrency, batchSize, pollingIntervalSeconds, burstWhenBatchFull } = PGBOSS_SETTINGS;
  return boss.work(QUEUE, { localConcurrency, batchSize, pollingIntervalSeconds, burstWhenBatchFull }, async (jobs) => {
    for (const job of jobs) onStart?.(job.id);
  });
}

export const pgBossAdapter: QueueAdapter = {
  version,
  settings:
    `work() with localConcurrency ${PGBOSS_SETTINGS.localConcurrency}, batchSize ${PGBOSS_SETTINGS.batchSize} (a batch handler), ` +
    `burstWhenBatchFull, pollingIntervalSeconds ${PGBOSS_SETTINGS.pollingIntervalSeconds} (the minimum), pool max ${PGBOSS_SETTINGS.max}, ` +
    `supervise/schedule off; enqueue via insert(); latency: useListenNotify on and the queue's notify: true (LISTEN/NOTIFY), off elsewhere`,

  async openProducer(db) {
    const boss = await startBoss(db, false);
    return {
      async enqueueBulk(count) {
        for (let start = 0; start < count; start += BULK_BATCH) {
          const size = Math.min(BULK_BATCH, count - start);
          await boss.insert(
            QUEUE,
            Array.from({ length: size }, () => ({ data: {} })),
          );
        }
      },
      hasUnfinished: async () => {
        const { rows } = await boss
          .getDb()
          .executeSql(`SELECT 1 FROM pgboss.job WHERE name = $1 AND state < 'completed' LIMIT 1`, [QUEUE]);
        return rows.length > 0;
      },
      close: () => boss.stop({ graceful: false, timeout: 1000 }),
    };
  },

  async openWorker(db) {
    const boss = await startBoss(db, false);
    return {
      start: async (onStart) => void (await work(boss, onStart)),
      stop: () => boss.stop({ graceful: true, timeout: 5000 }),
    };
  },

  async openLatencyRig(db, onStart) {
    const boss = await startBoss(db, true);
    await work(boss, onStart);
    return {
      enqueueOne: async () => (await boss.send(QUEUE, {}))!,
      close: () => boss.stop({ graceful: true, timeout: 5000 }),
    };
  },
};
