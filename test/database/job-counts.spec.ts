import { Readable } from 'node:stream';
import { ANONYMOUS_ADMIN, FileStorageService, JobPriority, JobsService, type JobRecord } from '../../src/job-queue';
import type { DatabaseClient } from '../../src/job-queue/database/prisma.service';
import { createTestDatabase, databaseLabel, type TestDatabase } from '../support/database';
import { insertJob } from '../support/fixtures';
import { type Behaviour, expectTalliesExact, HOUR, ScriptedProcessor, UNFINISHED } from '../support/job-tallies';
import { startTestApp, type TestApp, waitFor } from '../support/test-app';

describe(`job_counts tallies kept by the queue and its triggers (${databaseLabel})`, () => {
  let database: TestDatabase;
  let service: TestApp;
  let fileId: string;
  let db: DatabaseClient;

  beforeAll(async () => {
    database = await createTestDatabase();
    service = await startTestApp(database, {
      providers: [ScriptedProcessor],
      queue: { pollIntervalMs: 100, workerConcurrency: 4, retry: { initialDelayMs: 50, maxDelayMs: 100 } },
    });
    db = service.prisma.client;
    fileId = (await service.app.get(FileStorageService).store(Readable.from(['x']), 'sample.tally', ANONYMOUS_ADMIN))
      .id;
  });

  afterAll(async () => {
    await service?.close();
    await database?.drop();
  });

  const jobs = () => service.app.get(JobsService);
  const enqueue = (behaviour: Behaviour, priority = JobPriority.NORMAL, runAt?: Date): Promise<JobRecord> =>
    jobs().enqueue({ fileId, priority, maxRetries: 2, runAt, options: { behaviour } }, ANONYMOUS_ADMIN);
  const statusOf = async (id: string) => (await db.processingJob.findUniqueOrThrow({ where: { id } })).status;

  it('match the jobs after fixtures, enqueues, claims, completions, failures, retries, cancels and deletes', async () => {
    expect(await expectTalliesExact(db)).toEqual({});

    // Rows written straight into the table, as the fixtures and the bench seeder do.
    const old = { createdAgoMs: 300 * HOUR, startedAgoMs: 300 * HOUR, completedAgoMs: 299 * HOUR };
    const fixtures = [
      await insertJob(db, { format: 'ghost', status: 'COMPLETED', priority: 3, ...old }),
      await insertJob(db, { format: 'ghost', status: 'FAILED', priority: 1, ...old }),
      await insertJob(db, { format: 'ghost', status: 'CANCELLED', ...old }),
      await insertJob(db, { format: 'ghost', status: 'PENDING', availableInMs: HOUR }),
      await insertJob(db, { format: 'csv', status: 'RETRYING', priority: 1, availableInMs: HOUR }),
    ];
    await expectTalliesExact(db);

    // The queue's own paths: bulk enqueue, claims, completions, recoverable and fatal failures, retries.
    const behaviours: Behaviour[] = ['ok', 'ok', 'ok', 'fatal', 'flaky', 'ok', 'flaky', 'fatal'];
    const priorities = [JobPriority.LOW, JobPriority.NORMAL, JobPriority.HIGH];
    const enqueued = await jobs().enqueueMany(
      behaviours.map((behaviour, index) => ({
        fileId,
        priority: priorities[index % 3],
        maxRetries: 2,
        options: { behaviour },
      })),
      ANONYMOUS_ADMIN,
    );
    const hanging = await enqueue('hang', JobPriority.HIGH);
    const later = await enqueue('ok', JobPriority.LOW, new Date(Date.now() + HOUR));
    await waitFor(
      async () =>
        (await db.processingJob.count({
          where: { id: { in: enqueued.map((job) => job.id) }, status: { in: UNFINISHED } },
        })) === 0,
    );
    await waitFor(async () => (await statusOf(hanging.id)) === 'PROCESSING');
    const settled = await expectTalliesExact(db);
    expect(settled['COMPLETED/tally/2']).toBeGreaterThan(0);
    expect(settled['FAILED/tally/1']).toBe(1);

    // Cancels (one waiting, one running) and a manual retry of a failure, which fails again.
    await jobs().cancel(later.id, ANONYMOUS_ADMIN);
    await jobs().cancel(hanging.id, ANONYMOUS_ADMIN);
    await waitFor(async () => (await statusOf(hanging.id)) === 'CANCELLED');
    const failed = enqueued.find((job, index) => behaviours[index] === 'fatal')!;
    await jobs().retry(failed.id, ANONYMOUS_ADMIN);
    await waitFor(async () => ScriptedProcessor.calls.get(failed.id) === 2 && (await statusOf(failed.id)) === 'FAILED');
    await expectTalliesExact(db);

    // Updates through Prisma: one moving jobs between tallies, one changing nothing they count (a progress write).
    await db.processingJob.updateMany({
      where: { id: { in: fixtures.slice(3) } },
      data: { priority: 3, format: 'txt', status: 'PENDING' },
    });
    await db.processingJob.updateMany({ where: { id: { in: fixtures } }, data: { stage: 'READING', progress: 40 } });
    await db.processingJob.updateMany({ where: { id: fixtures[3] }, data: { status: 'PENDING' } });
    await expectTalliesExact(db);

    // Cleanup deletes the old terminal jobs; a plain delete removes another.
    const { data, errors } = await service.gql(`mutation { cleanupJobs(olderThanHours: 168) }`);
    expect(errors).toBeUndefined();
    expect(data.cleanupJobs).toBe(3);
    await db.processingJob.delete({ where: { id: fixtures[4] } });
    const remaining = await expectTalliesExact(db);
    expect(Object.keys(remaining).some((tally) => tally.endsWith('/ghost/3'))).toBe(false);

    const { data: stats } = await service.gql(`{ jobStats { total byStatus { status count } } }`);
    expect(stats.jobStats.total).toBe(await db.processingJob.count());
    for (const { status, count } of stats.jobStats.byStatus)
      expect(count).toBe(await db.processingJob.count({ where: { status } }));
  });
});
