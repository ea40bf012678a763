import { createTestDatabase, databaseLabel, type TestDatabase } from '../support/database';
import { countByStatus, enqueueJobs, heldProcessor, recordingProcessor, storeFile } from '../support/queue-helpers';
import { startTestApp, type TestApp, waitFor } from '../support/test-app';

const CONCURRENCY = 20;
/** One slot fewer than the pool has: the last slot is free, fewer than a claim batch's share of the slots. */
const LONG_JOBS = CONCURRENCY - 1;

/**
 * A busy pool claims for several free slots at once, not slot by slot; but a slot must not stay idle while the
 * others run long jobs. Before the gathering window, a pool of 20 with 19 long jobs left its last slot idle until
 * two of them ended: the job enqueued meanwhile stayed PENDING for as long as they ran.
 */
describe(`Claiming for free slots while the other slots run long jobs (${databaseLabel})`, () => {
  let database: TestDatabase;
  let worker: TestApp | undefined;
  const held = heldProcessor();
  const quick = recordingProcessor('quick');

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    held.release();
    await worker?.close();
    await database?.drop();
  });

  it(`runs a job in the one free slot of ${CONCURRENCY} while ${LONG_JOBS} long jobs hold the rest`, async () => {
    worker = await startTestApp(database, {
      queue: { workerConcurrency: CONCURRENCY },
      providers: [held.processor, quick.processor],
    });
    const longJobs = await enqueueJobs(worker.app, await storeFile(worker.app, 'long.held'), LONG_JOBS);
    await waitFor(() => held.started.size === LONG_JOBS, 10_000);

    const [job] = await enqueueJobs(worker.app, await storeFile(worker.app, 'short.quick'), 1);
    const db = worker.prisma.client;
    const counts = await waitFor(async () => {
      const current = await countByStatus(db);
      return current.COMPLETED === 1 ? current : null;
    }, 5_000);
    expect(counts).toMatchObject({ PENDING: 0, PROCESSING: LONG_JOBS, COMPLETED: 1 });
    expect(quick.log.starts).toEqual([job.id]);
    expect([...held.started].sort()).toEqual(longJobs.map((longJob) => longJob.id).sort());

    held.release();
    await waitFor(async () => (await countByStatus(db)).COMPLETED === CONCURRENCY, 10_000);
  });
});
