import { ANONYMOUS_ADMIN, JobPriority, JobsService, type JobRecord } from '../../src/job-queue';
import { createTestDatabase, databaseLabel, type TestDatabase } from '../support/database';
import { countByStatus, enqueueJobs, recordingProcessor, storeFile } from '../support/queue-helpers';
import { clockPasses, workersIdle } from '../support/signals';
import { startTestApp, type TestApp, waitFor } from '../support/test-app';

const { LOW, NORMAL, HIGH } = JobPriority;

/** Enqueued one by one, each in a later millisecond, so that their createdAt differ (labels #0 to #6). */
const SINGLES_BEFORE: JobPriority[] = [LOW, NORMAL, HIGH, LOW, HIGH, NORMAL, LOW];
/** One enqueueMany call (#7 to #12): every job gets the same createdAt, so the tie-break keeps their order. */
const BATCH: JobPriority[] = [NORMAL, LOW, HIGH, LOW, HIGH, NORMAL];
/** One by one again (#13 to #15). */
const SINGLES_AFTER: JobPriority[] = [HIGH, LOW, NORMAL];

/** The start order a single worker must follow: priority, then enqueue order within it. */
const EXPECTED_ORDER = [
  'HIGH#2',
  'HIGH#4',
  'HIGH#9',
  'HIGH#11',
  'HIGH#13',
  'NORMAL#1',
  'NORMAL#5',
  'NORMAL#7',
  'NORMAL#12',
  'NORMAL#15',
  'LOW#0',
  'LOW#3',
  'LOW#6',
  'LOW#8',
  'LOW#10',
  'LOW#14',
];

describe(`Claim order by priority, then age (${databaseLabel})`, () => {
  let database: TestDatabase;
  let worker: TestApp | undefined;
  const recording = recordingProcessor('prio');

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    await worker?.close();
    await database?.drop();
  });

  it('starts every HIGH job (oldest first), then NORMAL, then LOW, with one worker', async () => {
    const seeding = await startTestApp(database, { queue: { workersEnabled: false } });
    const enqueued: JobRecord[] = [];
    try {
      const fileId = await storeFile(seeding.app, 'order.prio');
      const enqueueSingles = async (priorities: JobPriority[]) => {
        for (const priority of priorities) {
          if (enqueued.length > 0) await clockPasses(enqueued.at(-1)!.createdAt);
          enqueued.push(...(await enqueueJobs(seeding.app, fileId, 1, priority)));
        }
      };
      await enqueueSingles(SINGLES_BEFORE);
      await clockPasses(enqueued.at(-1)!.createdAt);
      enqueued.push(
        ...(await seeding.app.get(JobsService).enqueueMany(
          BATCH.map((priority) => ({ fileId, priority })),
          ANONYMOUS_ADMIN,
        )),
      );
      await enqueueSingles(SINGLES_AFTER);
    } finally {
      await seeding.close();
    }

    // The fixture is what it claims to be: the batch shares one createdAt, every single has its own.
    const batchStart = SINGLES_BEFORE.length;
    const createdAt = enqueued.map((job) => job.createdAt.getTime());
    expect(new Set(createdAt.slice(batchStart, batchStart + BATCH.length)).size).toBe(1);
    expect(new Set(createdAt).size).toBe(SINGLES_BEFORE.length + 1 + SINGLES_AFTER.length);
    const label = new Map(
      enqueued.map((job, index) => [job.id, `${[...SINGLES_BEFORE, ...BATCH, ...SINGLES_AFTER][index]}#${index}`]),
    );

    worker = await startTestApp(database, { providers: [recording.processor], queue: { workerConcurrency: 1 } });
    await waitFor(async () => (await countByStatus(worker!.prisma.client)).COMPLETED === enqueued.length, 30_000);
    await workersIdle([worker.app]); // no stray start is still on its way

    expect(recording.log.starts.map((id) => label.get(id))).toEqual(EXPECTED_ORDER);
    expect(await countByStatus(worker.prisma.client)).toEqual({
      PENDING: 0,
      PROCESSING: 0,
      RETRYING: 0,
      COMPLETED: EXPECTED_ORDER.length,
      FAILED: 0,
      CANCELLED: 0,
    });
  });
});
