import { WorkerPoolService } from '../../src/job-queue';
import {
  attemptsOf,
  countByStatus,
  enqueueJobs,
  expectAllCompletedOnce,
  recordingProcessor,
  storeFile,
} from '../support/queue-helpers';
import {
  describePrivatePostgres,
  type PrivatePostgres,
  privateTestDatabase,
  startPrivatePostgres,
} from '../support/private-postgres';
import type { TestDatabase } from '../support/database';
import { startTestApp, type TestApp, waitFor } from '../support/test-app';

const JOBS = 10_000;
const INSTANCES = 2;
const CONCURRENCY = 32;
/**
 * Leases renew every 250 ms (a third of it), so renewals meet completions of the same rows many times a run. Stalled
 * recovery, which such short leases could set off on a loaded machine, is kept out of the run (healthCheckIntervalMs).
 */
const LEASE_MS = 750;

/** Whole milliseconds below `below`, from a linear congruential sequence: the same run every time. */
function seededDurations(seed: number, below: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return Math.floor((state / 2147483648) * below);
  };
}

/**
 * Lease renewal and batched completion both lock several job rows. Taken in different orders they deadlocked:
 * 4 deadlocks and 6 jobs run twice in 10,000 on 2 instances x 32 workers, with no fault at all. The jobs take 0-7 ms
 * (a seeded sequence): with no-op jobs they finish in claim order, which is id order, and the old statements then
 * happened to lock in the same order. Jittered, the code before the fix (2bb6718^) showed 3 deadlocks and 9 jobs run
 * more than once in one run, 2 and 6 in the next.
 */
describePrivatePostgres(
  `${JOBS} no-op jobs on ${INSTANCES} instances x ${CONCURRENCY} workers, no fault (private PostgreSQL)`,
  () => {
    let cluster: PrivatePostgres;
    let database: TestDatabase;
    const instances: TestApp[] = [];
    const noop = recordingProcessor('noop', { durationMs: seededDurations(20261130, 8) });

    beforeAll(async () => {
      cluster = await startPrivatePostgres();
      database = await privateTestDatabase(cluster, 'no_deadlock');
    });

    afterAll(async () => {
      await Promise.all(instances.map((instance) => instance.close()));
      await database?.drop();
      cluster?.destroy();
    });

    it('completes every job with exactly one attempt, and PostgreSQL logs no deadlock', async () => {
      const queue = {
        workerConcurrency: CONCURRENCY,
        stalledJobThresholdMs: LEASE_MS,
        healthCheckIntervalMs: 600_000,
        workersEnabled: false,
      };
      // Migrate with the first before the second starts; both start claiming only once every job is queued.
      for (let index = 0; index < INSTANCES; index++)
        instances.push(await startTestApp(database, { providers: [noop.processor], queue }));
      const fileId = await storeFile(instances[0].app, 'many.noop');
      const jobIds = (await enqueueJobs(instances[0].app, fileId, JOBS)).map((job) => job.id);

      const started = Date.now();
      await Promise.all(instances.map((instance) => instance.app.get(WorkerPoolService).startClaiming()));
      const db = instances[0].prisma.client;
      await waitFor(async () => (await countByStatus(db)).COMPLETED === JOBS, 240_000, 250);
      console.log(`[no-deadlock] ${JOBS} jobs on ${INSTANCES} x ${CONCURRENCY} in ${Date.now() - started} ms`);

      await expectAllCompletedOnce(db, JOBS);
      const attempts = await attemptsOf(db);
      expect(attempts).toHaveLength(JOBS);
      expect(attempts.filter((attempt) => attempt.errorCode !== null)).toEqual([]);
      expect([...noop.log.calls.values()].filter((calls) => calls !== 1)).toEqual([]);
      expect(noop.log.calls.size).toBe(jobIds.length);
      const deadlocks = cluster
        .log()
        .split('\n')
        .filter((line) => /deadlock detected/.test(line));
      expect(deadlocks).toEqual([]);
    }, 300_000);
  },
);
