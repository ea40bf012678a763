import { Client as PgClient } from 'pg';
import { ANONYMOUS_ADMIN, JobPriority, JobsService } from '../../src/job-queue';
import { JobEventBus } from '../../src/job-queue/events/job-event-bus';
import { JobTopics } from '../../src/job-queue/events/job-events';
import { JobUpdatesService } from '../../src/job-queue/jobs/job-updates.service';
import { unpackPayload } from '../../src/job-queue/events/notify-payloads';
import { createTestDatabase, describePostgres, type TestDatabase } from '../support/database';
import { liveSubscribers } from '../support/live-subscribers';
import { recordingProcessor, storeFile } from '../support/queue-helpers';
import { startTestApp, type TestApp, waitFor } from '../support/test-app';
import { watchThenRun } from '../support/watched-run';

const CHANNEL = 'file_jobs_events';

/**
 * Progress events and status changes cross instances only while someone listens to them (EventInterest): watched
 * from the channel itself, by a plain LISTEN connection of the test's own, which no registry knows about.
 */
describePostgres('Progress and status events go out only where someone listens (PostgreSQL)', () => {
  const recorder = recordingProcessor('interest');
  let database: TestDatabase;
  let api: TestApp;
  let worker: TestApp;
  let tap: PgClient;
  const heard: { topic: string; payload: { jobId?: string; changes?: { jobId: string; status: string }[] } }[] = [];
  const topicsHeard = (topic: string) => heard.filter((message) => message.topic === topic);
  /** The statuses heard in job.changed for `ids`, each once, in the order first heard. */
  const statusesHeard = (ids: string[]) => [
    ...new Set(
      topicsHeard('job.changed')
        .flatMap((message) => message.payload.changes ?? [])
        .filter((change) => ids.includes(change.jobId))
        .map((change) => change.status),
    ),
  ];

  beforeAll(async () => {
    database = await createTestDatabase();
    api = await startTestApp(database, { queue: { workersEnabled: false } });
    worker = await startTestApp(database, { providers: [recorder.processor], queue: { pollIntervalMs: 60_000 } });
    tap = new PgClient({ connectionString: database.url });
    await tap.connect();
    tap.on('notification', ({ payload }) => {
      for (const message of unpackPayload(payload ?? '[]')) heard.push(message as (typeof heard)[number]);
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

  /**
   * Resolves once everything an instance published so far went through the channel: its bus sends in order, so a
   * marker it publishes now is heard after all of it.
   */
  const caughtUp = async (instance: TestApp) => {
    const jobId = `marker-${heard.length}`;
    await instance.app.get(JobEventBus).publish(JobTopics.cancelRequested, { jobId });
    await waitFor(() => heard.some((message) => message.payload.jobId === jobId), 5_000);
  };
  const workerCaughtUp = () => caughtUp(worker);

  it('with no subscriber anywhere, jobs run and publish neither their status changes nor their progress', async () => {
    heard.length = 0;
    const ids = await runJobs(20);
    await settled(ids);
    await workerCaughtUp();
    expect(topicsHeard('job.changed')).toEqual([]);
    expect(topicsHeard('job.progress')).toEqual([]);
    expect(topicsHeard('queue.wakeup').length).toBeGreaterThan(0); // control: the tap hears the channel
  });

  it('a jobUpdated subscriber on the API instance gets every status change the worker instance makes, which stop going out once it leaves', async () => {
    const probeFile = await storeFile(api.app, 'probe.interest');
    const enqueueProbe = async () =>
      (await api.app.get(JobsService).enqueue({ fileId: probeFile, priority: JobPriority.NORMAL }, ANONYMOUS_ADMIN)).id;
    const [subscriber] = await liveSubscribers(1, () => api.wsClient(), enqueueProbe);
    const ids = await runJobs(5);
    await waitFor(() => ids.every((id) => subscriber.updates.some((u) => u.id === id && u.status === 'COMPLETED')));
    await Promise.all([caughtUp(api), workerCaughtUp()]);
    expect(statusesHeard(ids).sort()).toEqual(['COMPLETED', 'PENDING', 'PROCESSING']);

    subscriber.cancel();
    await waitFor(() => api.app.get(JobUpdatesService).subscriberCount === 0);
    await waitFor(() => !worker.app.get(JobEventBus).wants(JobTopics.jobChanged), 5_000);
    heard.length = 0;
    await settled(await runJobs(5));
    await workerCaughtUp();
    expect(topicsHeard('job.changed')).toEqual([]);
  });

  it('a jobUpdated subscriber that waits for jobs to end makes only their ends go out, not their enqueue or claim', async () => {
    const probeFile = await storeFile(api.app, 'probe.interest');
    const enqueueProbe = async () =>
      (await api.app.get(JobsService).enqueue({ fileId: probeFile, priority: JobPriority.NORMAL }, ANONYMOUS_ADMIN)).id;
    const [subscriber] = await liveSubscribers(
      1,
      () => api.wsClient(),
      enqueueProbe,
      'subscription { jobUpdated(filter: { status: [COMPLETED] }) { id status } }',
    );
    heard.length = 0;
    const ids = await runJobs(5);
    await waitFor(() => ids.every((id) => subscriber.updates.some((u) => u.id === id && u.status === 'COMPLETED')));
    await Promise.all([caughtUp(api), workerCaughtUp()]);
    expect(statusesHeard(ids)).toEqual(['COMPLETED']);

    subscriber.cancel();
    await waitFor(() => api.app.get(JobUpdatesService).subscriberCount === 0);
    await waitFor(() => !worker.app.get(JobEventBus).wants(JobTopics.jobChanged), 5_000);
  });

  it('with a subscriber on the API instance, the worker instance publishes the progress of the watched job', async () => {
    heard.length = 0;
    const [jobId] = await runJobs(1, new Date(Date.now() + 3_600_000)); // due only once watched (watchThenRun)
    const updates = await (await watchThenRun(api, worker, jobId)).finished;
    expect(updates.at(-1)).toMatchObject({ status: 'COMPLETED', progress: 100 });
    expect(updates.map((update) => update.stage)).toContain('VALIDATING');
    expect(topicsHeard('job.progress').length).toBeGreaterThan(0);
  });
});
