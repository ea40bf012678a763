import { JobStatus } from '../../src/job-queue';
import { createTestDatabase, databaseLabel, type TestDatabase } from '../support/database';
import { countByStatus, enqueueJobs, recordingProcessor, storeFile } from '../support/queue-helpers';
import { startTestApp, type TestApp, waitFor } from '../support/test-app';

const JOBS = 3;

/**
 * estimatedDuration of a new job: the average actualDuration of the completed jobs of its format (among the last
 * 1,000 completions), null while none of them completed. Before, nothing wrote it: always null.
 */
describe(`A new job's estimatedDuration (${databaseLabel})`, () => {
  let database: TestDatabase;
  let instance: TestApp | undefined;
  const recording = recordingProcessor('est', { durationMs: 50 });

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    await instance?.close();
    await database?.drop();
  });

  it("is the rounded average actualDuration of its format's completed jobs, and null for a format none completed", async () => {
    instance = await startTestApp(database, { providers: [recording.processor] });
    const estFile = await storeFile(instance.app, 'timed.est');
    const otherFile = await storeFile(instance.app, 'never.other');
    const first = await enqueueJobs(instance.app, estFile, JOBS);
    expect(first.map((job) => job.estimatedDuration)).toEqual([null, null, null]); // nothing completed yet
    await waitFor(async () => (await countByStatus(instance!.prisma.client)).COMPLETED === JOBS);
    await instance.close();

    // A fresh instance (no worker, so nothing changes meanwhile) reads the averages afresh.
    instance = await startTestApp(database, { queue: { workersEnabled: false } });
    const completed = await instance.prisma.client.processingJob.findMany({
      where: { status: JobStatus.COMPLETED },
      select: { actualDuration: true },
    });
    const durations = completed.map((job) => job.actualDuration!);
    expect(durations).toHaveLength(JOBS);
    for (const duration of durations) expect(duration).toBeGreaterThanOrEqual(50); // the processor takes 50 ms
    const average = Math.round(durations.reduce((sum, duration) => sum + duration, 0) / JOBS);

    const [timed] = await enqueueJobs(instance.app, estFile, 1);
    const [other] = await enqueueJobs(instance.app, otherFile, 1);
    expect([timed.estimatedDuration, other.estimatedDuration]).toEqual([average, null]);
    const { data } = await instance.gql(`query($id: ID!) { job(id: $id) { estimatedDuration actualDuration } }`, {
      id: timed.id,
    });
    expect(data.job).toEqual({ estimatedDuration: average, actualDuration: null });
  });
});
