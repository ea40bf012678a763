import { Client } from 'pg';
import { ProcessingStage } from '../../src/job-queue/common/job.enums';
import type { QueueDriver } from '../../src/job-queue/database/queue-driver';
import { describePostgres } from '../support/database';
import { newJob, useDriverUnderTest } from '../support/driver-harness';
import { waitFor } from '../support/test-app';

const WORKER = 'lock-order-worker';
const LEASE_MS = 30_000;

/** Each statement that writes several job rows, given the ids out of order (`ids` is c, a, b). */
const WRITERS: [name: string, write: (driver: QueueDriver, ids: string[]) => Promise<unknown>][] = [
  [
    'completeMany',
    (driver, ids) =>
      driver.completeMany(
        WORKER,
        ids.map((jobId) => ({
          jobId,
          attempt: 1,
          extractedText: null,
          metadata: null,
          result: null,
          bytesProcessed: 7n,
        })),
      ),
  ],
  ['renewLeases', (driver, ids) => driver.renewLeases(WORKER, ids, LEASE_MS)],
  [
    'saveProgress',
    (driver, ids) =>
      driver.saveProgress(
        WORKER,
        ids.map((jobId) => ({ jobId, stage: ProcessingStage.READING, progress: 10, bytesProcessed: 1 })),
      ),
  ],
  [
    'settleMany',
    (driver, ids) =>
      driver.settleMany(
        ids.map((jobId) => ({
          jobId,
          attempt: 1,
          workerId: WORKER,
          outcome: 'FAILED',
          error: { code: 'TEST', message: 'failed', recoverable: false },
          retryDelayMs: null,
        })),
      ),
  ],
];

/**
 * Two statements that lock overlapping job rows in different orders deadlock (4 deadlocks and 6 jobs run twice in
 * 10,000 on 2 instances x 32 workers, before every such statement locked in id order): PostgreSQL ends one of them,
 * and its jobs' outcomes are lost until their leases expire. Here the middle row (b) of three held jobs is locked by
 * another transaction while a statement writes all three: at that moment the statement must hold a, the row before
 * b, and not yet c. The reverse order shows the opposite (checked with heldJobsInIdOrder's input sorted descending,
 * which fails the completion, the renewal and the progress write, and SETTLE_SQL's ORDER BY id DESC, which fails the
 * settling).
 */
describePostgres('Statements that write several job rows lock them in id order (PostgreSQL)', () => {
  const t = useDriverUnderTest();

  /** Whether another transaction holds a lock on the job's state row (what the statements write) now, without waiting. */
  const lockedNow = async (probe: Client, id: string): Promise<boolean> => {
    await probe.query('BEGIN');
    try {
      await probe.query('SELECT id FROM job_states WHERE id = $1 FOR UPDATE NOWAIT', [id]);
      return false;
    } catch (error) {
      if ((error as { code?: string }).code === '55P03') return true; // lock_not_available
      throw error;
    } finally {
      await probe.query('ROLLBACK');
    }
  };

  it.each(WRITERS)('%s', async (_, write) => {
    const jobs = await t.driver.insertJobs([newJob(t.fileId), newJob(t.fileId), newJob(t.fileId)]);
    expect(await t.driver.claim(WORKER, 3, LEASE_MS)).toHaveLength(3);
    const [a, b, c] = jobs.map((job) => job.id).sort();
    const holder = new Client({ connectionString: t.database.url });
    const probe = new Client({ connectionString: t.database.url });
    await holder.connect();
    await probe.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT id FROM job_states WHERE id = $1 FOR UPDATE', [b]);
      const writing = write(t.driver, [c, a, b]);
      await waitFor(async () => {
        const { rows } = await probe.query<{ waiting: number }>(
          `SELECT count(*)::int AS waiting FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        return rows[0].waiting > 0;
      });
      const held = { a: await lockedNow(probe, a), c: await lockedNow(probe, c) };
      await holder.query('ROLLBACK');
      await writing;
      expect(held).toEqual({ a: true, c: false });
    } finally {
      await holder.end();
      await probe.end();
    }
  });
});
