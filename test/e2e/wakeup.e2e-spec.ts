import { ANONYMOUS_ADMIN, JobPriority, JobStatus, JobsService, WorkerPoolService } from '../../src/job-queue';
import { createTestDatabase, databaseLabel, describePostgres, type TestDatabase } from '../support/database';
import { insertJob } from '../support/fixtures';
import {
  attemptsOf,
  countsBy,
  enqueueJobs,
  jobState,
  recordingProcessor,
  type RecordingProcessor,
  storeFile,
} from '../support/queue-helpers';
import { observeFor } from '../support/signals';
import { startTestApp, type TestApp, waitFor } from '../support/test-app';

/** Far longer than any test here: a job that starts promptly was started by a wake-up, not by the poll. */
const POLL_MS = 60_000;

/**
 * Shared steps: `enqueuer` enqueues through JobsService (which publishes the wake-up), `worker` runs the jobs.
 * Returns how long the job took from the enqueue call to the start of its processor.
 */
async function enqueueAndTimeStart(
  enqueuer: TestApp,
  worker: TestApp,
  recording: RecordingProcessor,
  fileId: string,
): Promise<number> {
  const before = Date.now();
  const [job] = await enqueueJobs(enqueuer.app, fileId, 1, JobPriority.NORMAL);
  await waitFor(() => recording.log.startedAt.has(job.id), 10_000, 10);
  const latency = recording.log.startedAt.get(job.id)! - before;
  await waitFor(async () => (await jobState(worker.prisma.client, job.id)).status === JobStatus.COMPLETED, 10_000);
  const state = await jobState(worker.prisma.client, job.id);
  expect(state.attempts).toEqual([
    { number: 1, outcome: 'COMPLETED', finished: true, workerId: worker.app.get(WorkerPoolService).workerId },
  ]);
  return latency;
}

/**
 * The control that makes the bound mean something: once the worker sleeps out its whole 60-s poll (it saw no
 * due job), a job written straight into the table (no wake-up event) stays PENDING: only a wake-up or the
 * poll ends that sleep, so a start within a second afterwards was a wake-up's doing.
 */
async function expectUnannouncedJobWaits(
  inserter: TestApp,
  worker: TestApp,
  fileId: string,
  recording: RecordingProcessor,
): Promise<string> {
  const pool = worker.app.get(WorkerPoolService);
  await waitFor(() => pool.sleepsUntilPoll, 10_000, 10);
  const silent = await insertJob(inserter.prisma.client, {
    status: 'PENDING',
    format: 'wake',
    fileId,
    createdAgoMs: 0,
  });
  expect(pool.sleepsUntilPoll).toBe(true);
  expect(recording.log.calls.has(silent)).toBe(false);
  expect((await jobState(inserter.prisma.client, silent)).status).toBe(JobStatus.PENDING);
  return silent;
}

describe(`Wake-up of idle workers in one instance (${databaseLabel})`, () => {
  let database: TestDatabase;
  let service: TestApp;
  const recording = recordingProcessor('wake');

  beforeAll(async () => {
    database = await createTestDatabase();
    service = await startTestApp(database, { providers: [recording.processor], queue: { pollIntervalMs: POLL_MS } });
  });

  afterAll(async () => {
    await service?.close();
    await database?.drop();
  });

  it('starts a job enqueued in the same process within 1 s although the poll is 60 s', async () => {
    const fileId = await storeFile(service.app, 'ping.wake');
    const silent = await expectUnannouncedJobWaits(service, service, fileId, recording);
    const latencies = [
      await enqueueAndTimeStart(service, service, recording, fileId),
      await enqueueAndTimeStart(service, service, recording, fileId),
    ];
    console.log(`[wakeup] ${databaseLabel} in-process: enqueue to start ${latencies.join(' ms, ')} ms`);
    for (const latency of latencies) expect(latency).toBeLessThan(1_000);
    // The first wake-up also picked up the job that had been waiting unannounced.
    expect(recording.log.calls.get(silent)).toBe(1);
  });

  it('sleeps only until the next job is due, not the whole 60-s poll, and starts it then', async () => {
    const fileId = await storeFile(service.app, 'later.wake');
    await waitFor(() => service.app.get(WorkerPoolService).sleepsUntilPoll, 10_000, 10);
    const runAt = new Date(Date.now() + 400);
    const [job] = await service.app
      .get(JobsService)
      .enqueueMany([{ fileId, runAt, priority: JobPriority.NORMAL }], ANONYMOUS_ADMIN);
    await waitFor(() => recording.log.startedAt.has(job.id), 10_000, 10);
    const startedAt = recording.log.startedAt.get(job.id)!;
    // Not before it was due; well before the poll would have woken the worker (the enqueue's wake-up came early).
    expect(startedAt).toBeGreaterThanOrEqual(runAt.getTime());
    expect(startedAt - runAt.getTime()).toBeLessThan(5_000);
  });
});

describePostgres('Wake-up of an idle worker instance by another instance (PostgreSQL LISTEN/NOTIFY)', () => {
  let database: TestDatabase;
  let api: TestApp;
  let worker: TestApp;
  const recording = recordingProcessor('wake');

  beforeAll(async () => {
    database = await createTestDatabase();
    api = await startTestApp(database, { queue: { workersEnabled: false } });
    worker = await startTestApp(database, { providers: [recording.processor], queue: { pollIntervalMs: POLL_MS } });
  });

  afterAll(async () => {
    await api?.close();
    await worker?.close();
    await database?.drop();
  });

  it('starts a job enqueued on the API-only instance within 2 s although the worker polls every 60 s', async () => {
    const fileId = await storeFile(api.app, 'ping.wake');
    const silent = await expectUnannouncedJobWaits(api, worker, fileId, recording);
    const latencies = [
      await enqueueAndTimeStart(api, worker, recording, fileId),
      await enqueueAndTimeStart(api, worker, recording, fileId),
    ];
    console.log(`[wakeup] PostgreSQL across instances: enqueue to start ${latencies.join(' ms, ')} ms`);
    for (const latency of latencies) expect(latency).toBeLessThan(2_000);
    expect(recording.log.calls.get(silent)).toBe(1);
    const attempts = await attemptsOf(api.prisma.client);
    expect(countsBy(attempts, (attempt) => attempt.workerId)).toEqual([
      [worker.app.get(WorkerPoolService).workerId, 3],
    ]);
  });
});

describe(`Workers started after boot (${databaseLabel})`, () => {
  let database: TestDatabase;
  let service: TestApp;
  const recording = recordingProcessor('late');

  beforeAll(async () => {
    database = await createTestDatabase();
    service = await startTestApp(database, { providers: [recording.processor], queue: { workersEnabled: false } });
  });

  afterAll(async () => {
    await service?.close();
    await database?.drop();
  });

  it('claims nothing until startClaiming(), then runs what was queued, once however often it is called', async () => {
    const fileId = await storeFile(service.app, 'queued.late');
    const jobs = await enqueueJobs(service.app, fileId, 3, JobPriority.NORMAL);
    // A negative observation: for half a second after the enqueue (and its wake-up), no job is started.
    const started = await observeFor(500, () => recording.log.calls.size);
    expect(new Set(started)).toEqual(new Set([0]));
    const pool = service.app.get(WorkerPoolService);
    await Promise.all([pool.startClaiming(), pool.startClaiming()]);
    await waitFor(async () => {
      const states = await Promise.all(jobs.map((job) => jobState(service.prisma.client, job.id)));
      return states.every((state) => state.status === JobStatus.COMPLETED);
    }, 10_000);
    for (const job of jobs) expect(recording.log.calls.get(job.id)).toBe(1);
  });
});
