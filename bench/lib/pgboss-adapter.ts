import PgBoss from 'pg-boss';
import type { BenchDatabase } from './databases';
import type { QueueAdapter } from './systems';
import { BULK_BATCH } from './systems';
import { packageVersion } from './package-version';

/**
 * pg-boss 10 has no teamSize or localConcurrency (removed in 10; localConcurrency came in 11): parallelism is one
 * polling worker per work() call, each fetching `batchSize` jobs and completing them in one statement. It has no
 * LISTEN/NOTIFY either: a worker sleeps pollingIntervalSeconds (at least 0.5) after a fetch that took less, unless
 * notifyWorker(id) wakes it, which the latency rig does after each send (the documented way; it works in-process only).
 */
export const PGBOSS_SETTINGS = {
  workers: Number(process.env.PGB_W ?? 4),
  batchSize: Number(process.env.PGB_B ?? 250),
  pollingIntervalSeconds: 0.5,
  max: Number(process.env.PGB_MAX ?? 10),
} as const;
const QUEUE = 'noop';

async function startBoss(db: BenchDatabase): Promise<PgBoss> {
  const boss = new PgBoss({ connectionString: db.url, max: PGBOSS_SETTINGS.max, supervise: false, schedule: false });
  boss.on('error', (error) => console.error(`pg-boss: ${error.message}`));
  await boss.start();
  await boss.createQueue(QUEUE);
  return boss;
}

async function work(boss: PgBoss, onStart?: (jobId: string) => void): Promise<string[]> {
  const ids: string[] = [];
  const { batchSize, pollingIntervalSeconds } = PGBOSS_SETTINGS;
  for (let index = 0; index < PGBOSS_SETTINGS.workers; index++) {
    ids.push(
      await boss.work(QUEUE, { batchSize, pollingIntervalSeconds }, async (jobs) => {
        for (const job of jobs) onStart?.(job.id);
      }),
    );
  }
  return ids;
}

export const pgBossAdapter: QueueAdapter = {
  version: packageVersion(require.resolve('pg-boss/package.json')),
  settings:
    `${PGBOSS_SETTINGS.workers} × work() per instance, batchSize ${PGBOSS_SETTINGS.batchSize}, ` +
    `pollingIntervalSeconds ${PGBOSS_SETTINGS.pollingIntervalSeconds} (the minimum), pool max ${PGBOSS_SETTINGS.max}, ` +
    `supervise/schedule off; enqueue via insert(); latency: notifyWorker() after each send()`,

  async openProducer(db) {
    const boss = await startBoss(db);
    return {
      async enqueueBulk(count) {
        for (let start = 0; start < count; start += BULK_BATCH) {
          const size = Math.min(BULK_BATCH, count - start);
          await boss.insert(Array.from({ length: size }, () => ({ name: QUEUE, data: {} })));
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
    const boss = await startBoss(db);
    return {
      start: async (onStart) => void (await work(boss, onStart)),
      stop: () => boss.stop({ graceful: true, timeout: 5000 }),
    };
  },

  async openLatencyRig(db, onStart) {
    const boss = await startBoss(db);
    const workers = await work(boss, onStart);
    return {
      async enqueueOne() {
        const id = await boss.send(QUEUE, {});
        for (const worker of workers) boss.notifyWorker(worker);
        return id!;
      },
      close: () => boss.stop({ graceful: true, timeout: 5000 }),
    };
  },
};
