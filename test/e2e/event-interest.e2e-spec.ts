import { Client as PgClient } from 'pg';
import { ANONYMOUS_ADMIN, JobPriority, JobsService } from '../../src/job-queue';
import { unpackPayload } from '../../src/job-queue/events/notify-payloads';
import { createTestDatabase, describePostgres, type TestDatabase } from '../support/database';
import { recordingProcessor, storeFile } from '../support/queue-helpers';
import { startTestApp, type TestApp, waitFor } from '../support/test-app';
import { watchThenRun } from '../support/watched-run';

const CHANNEL = 'file_jobs_events';

/**
 * Progress events cross instances only while someone listens to them (EventInterest): watched from the channel
 * itself, by a plain LISTEN connection of the test's own, which no registry knows about.
 */
describePostgres('Progress events go out only where someone listens (PostgreSQL)', () => {
  const recorder = recordingProcessor('interest');
  let database: TestDatabase;
  let api: TestApp;
  let worker: TestApp;
  let tap: PgClient;
  const topics: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    api = await startTestApp(database, { queue: { workersEnabled: false } });
    worker = await startTestApp(database, { providers: [recorder.processor], queue: { pollIntervalMs: 60_000 } });
    tap = new PgClient({ connectionString: database.url });
    await tap.connect();
    tap.on('notification', ({ payload }) => {
      for (const message of unpackPayload(payload ?? '[]')) topics.push((message as { topic: string }).topic);
    });
    await tap.query(`LISTEN ${CHANNEL}`);
  });

  afterAll(async () => {
    await tap?.end();
    await api?.close();
    await worker?.close();
    await database?.drop();
  });

  const runJobs = async (count: number, runAt?: Date): Promise<string[]> => {
    const fileId = await storeFile(api.app, 'sample.interest');
    const jobs = await api.app.get(JobsService).enqueueMany(
      Array.from({ length: count }, () => ({ fileId, priority: JobPriority.NORMAL, runAt })),
      ANONYMOUS_ADMIN,
    );
    return jobs.map((job) => job.id);
  };

  const settled = (ids: string[]) =>
    waitFor(async () => {
      const done = await api.prisma.client.processingJob.count({ where: { id: { in: ids }, status: 'COMPLETED' } });
      return done === ids.length ? true : null;
    }, 20_000);

  it('with no progress subscriber anywhere, jobs run and publish their status changes but no progress', async () => {
    topics.length = 0;
    const ids = await runJobs(20);
    await settled(ids);
    // The status changes of the claim and the completion come through the same channel: the tap hears them.
    await waitFor(() => (topics.filter((topic) => topic === 'job.changed').length >= 2 ? true : null), 5_000);
    expect(topics.filter((topic) => topic === 'job.progress')).toEqual([]);
  });

  it('with a subscriber on the API instance, the worker instance publishes the progress of the watched job', async () => {
    topics.length = 0;
    const [jobId] = await runJobs(1, new Date(Date.now() + 3_600_000)); // due only once watched (watchThenRun)
    const updates = await (await watchThenRun(api, worker, jobId)).finished;
    expect(updates.at(-1)).toMatchObject({ status: 'COMPLETED', progress: 100 });
    expect(updates.map((update) => update.stage)).toContain('VALIDATING');
    expect(topics.filter((topic) => topic === 'job.progress').length).toBeGreaterThan(0);
  });
});
