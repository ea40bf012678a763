import request from 'supertest';
import { JobStatus, WorkerPoolService } from '../../src/job-queue';
import { createTestDatabase, databaseLabel, type TestDatabase } from '../support/database';
import { countByStatus, enqueueJobs, jobState, recordingProcessor, storeFile } from '../support/queue-helpers';
import { type SlowHost, spawnSlowHost, within } from '../support/slow-host-process';
import { startTestApp, type TestApp, type TestAppOptions, waitFor } from '../support/test-app';

describe(`Graceful shutdown (${databaseLabel})`, () => {
  let database: TestDatabase;
  const open = new Set<TestApp>();

  const start = async (options: TestAppOptions): Promise<TestApp> => {
    const app = await startTestApp(database, options);
    open.add(app);
    return app;
  };
  const stop = async (app: TestApp): Promise<number> => {
    open.delete(app);
    const started = Date.now();
    await app.close();
    return Date.now() - started;
  };
  /** The database as the next instance finds it: read through an API-only instance. */
  const inspect = async <T>(read: (service: TestApp) => Promise<T>): Promise<T> => {
    const reader = await start({ queue: { workersEnabled: false } });
    try {
      return await read(reader);
    } finally {
      await stop(reader);
    }
  };

  beforeEach(async () => {
    database = await createTestDatabase();
  });

  afterEach(async () => {
    for (const app of [...open]) await stop(app);
    await database?.drop();
  });

  describe('app.close() in process', () => {
    it.each([
      ['honours its AbortSignal', false],
      ['ignores its AbortSignal', true],
    ])('puts a job still running at the 300-ms deadline back to PENDING; processor %s', async (_name, ignoreAbort) => {
      const slow = recordingProcessor('slow', { durationMs: 60_000, ignoreAbort });
      const service = await start({ providers: [slow.processor], queue: { shutdownTimeoutMs: 300 } });
      const workerId = service.app.get(WorkerPoolService).workerId;
      const [job] = await enqueueJobs(service.app, await storeFile(service.app, 'long.slow'), 1);
      await waitFor(() => slow.log.calls.has(job.id));

      const closeMs = await stop(service);
      expect(slow.log.aborts.get(job.id)).toBe('shutdown');
      expect(slow.log.finished.has(job.id)).toBe(false);
      expect(closeMs).toBeGreaterThanOrEqual(300);
      expect(closeMs).toBeLessThan(5_000); // far from the processor's 60 s: shutdown did not wait for it

      await inspect(async ({ prisma }) => {
        expect(await countByStatus(prisma.client)).toMatchObject({
          PENDING: 1,
          PROCESSING: 0,
          COMPLETED: 0,
          FAILED: 0,
        });
        expect(await jobState(prisma.client, job.id)).toEqual({
          status: JobStatus.PENDING,
          attemptCount: 1,
          leaseOwner: null,
          attempts: [{ number: 1, outcome: 'INTERRUPTED', finished: true, workerId }],
        });
      });

      // The released job is claimable as it is: the next instance runs it to completion.
      const quick = recordingProcessor('slow');
      const next = await start({ providers: [quick.processor] });
      await waitFor(async () => (await jobState(next.prisma.client, job.id)).status === JobStatus.COMPLETED);
      expect(
        (await jobState(next.prisma.client, job.id)).attempts.map((attempt) => [attempt.number, attempt.outcome]),
      ).toEqual([
        [1, 'INTERRUPTED'],
        [2, 'COMPLETED'],
      ]);
      expect(quick.log.calls.get(job.id)).toBe(1);
    });

    it('waits for a job that finishes within the shutdown timeout and completes it', async () => {
      const brief = recordingProcessor('brief', { durationMs: 200 });
      const service = await start({ providers: [brief.processor], queue: { shutdownTimeoutMs: 5_000 } });
      const [job] = await enqueueJobs(service.app, await storeFile(service.app, 'short.brief'), 1);
      await waitFor(() => brief.log.calls.has(job.id), 15_000, 5);
      expect(brief.log.finished.has(job.id)).toBe(false);

      await stop(service);
      expect(brief.log.finished.has(job.id)).toBe(true);
      expect(brief.log.aborts.has(job.id)).toBe(false);
      await inspect(async ({ prisma }) => {
        expect(await countByStatus(prisma.client)).toMatchObject({ PENDING: 0, PROCESSING: 0, COMPLETED: 1 });
        expect(
          (await jobState(prisma.client, job.id)).attempts.map((attempt) => [attempt.number, attempt.outcome]),
        ).toEqual([[1, 'COMPLETED']]);
      });
    });
  });

  describe('SIGTERM to a service process', () => {
    let host: SlowHost | undefined;

    afterEach(() => {
      if (host?.process.exitCode === null && host.process.signalCode === null) host.process.kill('SIGKILL');
      host = undefined;
    });

    it('releases the job it is running back to PENDING before the process exits', async () => {
      const observer = await start({ queue: { workersEnabled: false } });
      host = spawnSlowHost(database, { SHUTDOWN_TIMEOUT_MS: '500' });
      const port = await host.ready;

      const upload = await request(`http://127.0.0.1:${port}`)
        .post('/files')
        .attach('file', Buffer.from('slow work'), 'long.slow')
        .expect(201);
      const jobId: string = upload.body.job.id;
      expect(upload.body.job).toMatchObject({ status: 'PENDING', format: 'slow' });
      await waitFor(
        async () => (await jobState(observer.prisma.client, jobId)).status === JobStatus.PROCESSING,
        15_000,
      );
      const running = await jobState(observer.prisma.client, jobId);
      expect(running.leaseOwner).toContain(`:${host.process.pid}:`);

      host.process.kill('SIGTERM');
      expect(await within(host.exited, 30_000, 'the slow host to exit after SIGTERM')).toEqual({
        code: null,
        signal: 'SIGTERM',
      });

      expect(await countByStatus(observer.prisma.client)).toMatchObject({
        PENDING: 1,
        PROCESSING: 0,
        COMPLETED: 0,
        FAILED: 0,
      });
      expect(await jobState(observer.prisma.client, jobId)).toEqual({
        status: JobStatus.PENDING,
        attemptCount: 1,
        leaseOwner: null,
        attempts: [{ number: 1, outcome: 'INTERRUPTED', finished: true, workerId: running.leaseOwner }],
      });
    }, 120_000);
  });
});
