import type { QueueStore } from '../../src/job-queue/database/queue-store';
import { QUEUE_DRIVER } from '../../src/job-queue/job-queue.constants';
import { WorkerPoolService } from '../../src/job-queue';
import { createTestDatabase, databaseLabel, type TestDatabase, usingPostgres } from '../support/database';
import { countByStatus, enqueueJobs, recordingProcessor, storeFile } from '../support/queue-helpers';
import { startTestApp, type TestApp, waitFor } from '../support/test-app';

const CONCURRENCY = 5;

/**
 * On PostgreSQL a job whose processor is done holds no slot while its outcome commits: the pool claims the next
 * batch meanwhile. Before, every slot waited for its job's commit, so claims and commits took turns (a no-op
 * burn-down claimed 100, ran them, committed them, and only then claimed again). The jobs committing are bounded:
 * at most as many again as the pool runs. SQLite's one writer cannot overlap them: there the slots wait, as before.
 */
describe(`Claiming while the last batch commits (${databaseLabel})`, () => {
  let database: TestDatabase;
  let worker: TestApp | undefined;
  let openCommits: () => void = () => undefined;
  const quick = recordingProcessor('quick');

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    openCommits();
    await worker?.close();
    await database?.drop();
  });

  const overlaps = usingPostgres;
  const started = overlaps ? 2 * CONCURRENCY : CONCURRENCY;

  it(`starts ${started} jobs on ${CONCURRENCY} slots while no completion can commit, and no more`, async () => {
    worker = await startTestApp(database, {
      queue: { workerConcurrency: CONCURRENCY },
      providers: [quick.processor],
    });
    // The completions' statement waits until the test lets it through; the jobs stay PROCESSING meanwhile.
    const commitsOpen = new Promise<void>((resolve) => (openCommits = resolve));
    const store = worker.app.get<QueueStore>(QUEUE_DRIVER);
    expect(store.claimsWhileCommitting).toBe(overlaps);
    const completeMany = store.completeMany.bind(store);
    store.completeMany = async (...args) => {
      await commitsOpen;
      return completeMany(...args);
    };
    const pool = worker.app.get(WorkerPoolService);
    const jobs = await enqueueJobs(worker.app, await storeFile(worker.app, 'many.quick'), 3 * CONCURRENCY);

    // Full before the processors start too (the first jobs look their file up): the starts come first.
    await waitFor(() => quick.log.starts.length >= started && pool.waitsForSlots, 10_000);
    expect(quick.log.starts).toHaveLength(started);
    expect(pool.activeJobIds).toHaveLength(started);
    const db = worker.prisma.client;
    expect(await countByStatus(db)).toMatchObject({ PENDING: jobs.length - started, PROCESSING: started });

    openCommits();
    await waitFor(async () => (await countByStatus(db)).COMPLETED === jobs.length, 10_000);
    expect([...quick.log.starts].sort()).toEqual(jobs.map((job) => job.id).sort());
  });
});
