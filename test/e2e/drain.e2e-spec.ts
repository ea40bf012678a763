import { WorkerPoolService } from '../../src/job-queue';
import type { DatabaseClient } from '../../src/job-queue/database/prisma.service';
import { createTestDatabase, databaseLabel, describePostgres, type TestDatabase } from '../support/database';
import {
  attemptsOf,
  countByStatus,
  countsBy,
  enqueueJobs,
  expectAllCompletedOnce,
  type ProcessorLog,
  recordingProcessor,
  storeFile,
} from '../support/queue-helpers';
import { workersIdle } from '../support/signals';
import { startTestApp, type TestApp, waitFor } from '../support/test-app';

const JOBS = 2_000;
const CONCURRENCY = 4;
const DRAIN_TIMEOUT_MS = 150_000;

/**
 * Waits until no job is left to run, then until every worker pool has looked for more work, found none and runs
 * nothing: a stray second run would have started (and been logged) by then.
 */
async function waitUntilDrained(db: DatabaseClient, workers: TestApp[]): Promise<void> {
  await waitFor(
    async () => {
      const counts = await countByStatus(db);
      return counts.PENDING + counts.PROCESSING + counts.RETRYING === 0;
    },
    DRAIN_TIMEOUT_MS,
    250,
  );
  await workersIdle(workers.map((worker) => worker.app));
}

/** Every job ran exactly once, completed, and has exactly one attempt, which completed. */
async function expectDrainedExactlyOnce(db: DatabaseClient, jobIds: string[], log: ProcessorLog): Promise<void> {
  expect(new Set(jobIds).size).toBe(JOBS);
  expect(log.starts).toHaveLength(JOBS);
  expect([...log.calls.keys()].sort()).toEqual([...jobIds].sort());
  expect([...log.calls.entries()].filter(([, calls]) => calls !== 1)).toEqual([]);
  expect(log.finished.size).toBe(JOBS);

  await expectAllCompletedOnce(db, JOBS);
  const attempts = await attemptsOf(db);
  const attemptsPerJob = countsBy(attempts, (attempt) => attempt.jobId);
  expect(attemptsPerJob).toHaveLength(JOBS);
  expect(attemptsPerJob.filter(([, count]) => count !== 1)).toEqual([]);
  expect(countsBy(attempts, (attempt) => `${attempt.outcome} ${attempt.number}`)).toEqual([['COMPLETED 1', JOBS]]);
  expect(attempts.filter((attempt) => attempt.finishedAt === null)).toEqual([]);
}

describe(`Draining ${JOBS} jobs with one instance × ${CONCURRENCY} workers (${databaseLabel})`, () => {
  let database: TestDatabase;
  let worker: TestApp | undefined;
  const recording = recordingProcessor('noop');

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    await worker?.close();
    await database?.drop();
  });

  it(
    'runs every queued job exactly once and completes them all',
    async () => {
      const seeding = await startTestApp(database, { queue: { workersEnabled: false } });
      let jobIds: string[];
      try {
        const fileId = await storeFile(seeding.app, 'drain.noop');
        jobIds = (await enqueueJobs(seeding.app, fileId, JOBS)).map((job) => job.id);
      } finally {
        await seeding.close();
      }
      expect(recording.log.starts).toHaveLength(0);

      const started = Date.now();
      worker = await startTestApp(database, {
        providers: [recording.processor],
        queue: { workerConcurrency: CONCURRENCY },
      });
      await waitUntilDrained(worker.prisma.client, [worker]);
      console.log(
        `[drain] ${databaseLabel}: one instance × ${CONCURRENCY} drained ${JOBS} jobs in ${Date.now() - started} ms`,
      );

      await expectDrainedExactlyOnce(worker.prisma.client, jobIds, recording.log);
      const attempts = await attemptsOf(worker.prisma.client);
      expect(countsBy(attempts, (attempt) => attempt.workerId)).toEqual([
        [worker.app.get(WorkerPoolService).workerId, JOBS],
      ]);
    },
    DRAIN_TIMEOUT_MS + 30_000,
  );
});

describePostgres(`Draining ${JOBS} jobs with two instances × ${CONCURRENCY} workers (PostgreSQL)`, () => {
  let database: TestDatabase;
  const instances: TestApp[] = [];
  const recording = recordingProcessor('noop');

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.close()));
    await database?.drop();
  });

  it(
    'shares the jobs enqueued while both run: each job exactly once, both instances did work',
    async () => {
      // Start one first so that the second does not race it through the migrations.
      instances.push(
        await startTestApp(database, { providers: [recording.processor], queue: { workerConcurrency: CONCURRENCY } }),
      );
      instances.push(
        await startTestApp(database, { providers: [recording.processor], queue: { workerConcurrency: CONCURRENCY } }),
      );
      const [first, second] = instances;
      const workerIds = instances.map((instance) => instance.app.get(WorkerPoolService).workerId);
      expect(new Set(workerIds).size).toBe(2);

      const fileId = await storeFile(first.app, 'drain.noop');
      const started = Date.now();
      const jobIds = (await enqueueJobs(first.app, fileId, JOBS)).map((job) => job.id);
      await waitUntilDrained(second.prisma.client, instances);
      console.log(
        `[drain] PostgreSQL: two instances × ${CONCURRENCY} drained ${JOBS} jobs in ${Date.now() - started} ms`,
      );

      await expectDrainedExactlyOnce(second.prisma.client, jobIds, recording.log);
      const attempts = await attemptsOf(second.prisma.client);
      const done = new Map(countsBy(attempts, (attempt) => attempt.workerId));
      console.log(`[drain] attempts per instance: ${workerIds.map((id) => done.get(id) ?? 0).join(' + ')}`);
      expect([...done.keys()].sort()).toEqual([...workerIds].sort());
      for (const id of workerIds) expect(done.get(id)).toBeGreaterThan(0);
      expect(workerIds.reduce((sum, id) => sum + (done.get(id) ?? 0), 0)).toBe(JOBS);
    },
    DRAIN_TIMEOUT_MS + 30_000,
  );
});
