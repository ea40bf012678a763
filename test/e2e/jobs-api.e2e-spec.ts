import 'reflect-metadata';
import {
  CANCEL_JOB,
  ENQUEUE_JOB,
  ENQUEUE_JOBS,
  gqlData,
  gqlError,
  JOB,
  RETRY_JOB,
  totalJobs,
  uploadFileId,
} from '../support/api-helpers';
import { createTestDatabase, databaseLabel, type TestDatabase } from '../support/database';
import { startTestApp, type TestApp } from '../support/test-app';

/** enqueue, idempotency, job(id), input validation, cancel and retry; workers are off so jobs stay PENDING. */
describe(`GraphQL jobs API: enqueue, read, cancel, retry (${databaseLabel})`, () => {
  let database: TestDatabase;
  let service: TestApp;
  let txtFile: string;
  let mdFile: string;

  const enqueue = async (input: Record<string, unknown>) => (await gqlData(service, ENQUEUE_JOB, { input })).enqueueJob;
  const enqueueMany = async (inputs: Record<string, unknown>[]) =>
    (await gqlData(service, ENQUEUE_JOBS, { inputs })).enqueueJobs;

  beforeAll(async () => {
    database = await createTestDatabase();
    service = await startTestApp(database, { queue: { workersEnabled: false } });
    txtFile = await uploadFileId(service, 'report.txt', 'hello world');
    mdFile = await uploadFileId(service, 'readme.md', '# Title\n');
  });

  afterAll(async () => {
    await service?.close();
    await database?.drop();
  });

  describe('enqueueJob', () => {
    it('returns a PENDING job with the given priority, maxRetries, options and runAt, and the file name, size and format', async () => {
      const runAt = '2031-02-03T04:05:06.789Z';
      const options = { language: 'en', pages: [1, 2], nested: { deep: true } };
      const job = await enqueue({ fileId: txtFile, priority: 'HIGH', maxRetries: 7, options, runAt });
      expect(job).toEqual({
        id: expect.stringMatching(/^c[a-z0-9]{24}$/),
        fileId: txtFile,
        fileName: 'report.txt',
        fileSize: 11,
        format: 'txt',
        status: 'PENDING',
        progress: 0,
        stage: 'QUEUED',
        priority: 'HIGH',
        options,
        runAt,
        maxRetries: 7,
        retryCount: 0,
        errorCode: null,
        startedAt: null,
        completedAt: null,
        createdAt: job.createdAt,
        updatedAt: job.createdAt,
      });
      expect(Math.abs(Date.parse(job.createdAt) - Date.now())).toBeLessThan(10_000);
      const row = await service.prisma.client.processingJob.findUniqueOrThrow({ where: { id: job.id } });
      expect(row.availableAt.toISOString()).toBe(runAt);
      expect(row.priority).toBe(3);
    });

    it('defaults to NORMAL priority, maxRetries 3, no options and no runAt', async () => {
      const job = await enqueue({ fileId: mdFile });
      expect(job).toMatchObject({
        fileId: mdFile,
        fileName: 'readme.md',
        fileSize: 8,
        format: 'md',
        status: 'PENDING',
      });
      expect(job).toMatchObject({ priority: 'NORMAL', maxRetries: 3, options: null, runAt: null });
    });
  });

  describe('enqueueJobs', () => {
    it('inserts every input in one call and returns the jobs in input order', async () => {
      const before = await totalJobs(service);
      const jobs = await enqueueMany([
        { fileId: txtFile, priority: 'LOW', maxRetries: 0 },
        { fileId: mdFile, priority: 'HIGH' },
        { fileId: txtFile, options: { n: 3 } },
      ]);
      expect(
        jobs.map(({ fileId, priority, maxRetries, options, status }: any) => ({
          fileId,
          priority,
          maxRetries,
          options,
          status,
        })),
      ).toEqual([
        { fileId: txtFile, priority: 'LOW', maxRetries: 0, options: null, status: 'PENDING' },
        { fileId: mdFile, priority: 'HIGH', maxRetries: 3, options: null, status: 'PENDING' },
        { fileId: txtFile, priority: 'NORMAL', maxRetries: 3, options: { n: 3 }, status: 'PENDING' },
      ]);
      expect(new Set(jobs.map((job: any) => job.id)).size).toBe(3);
      expect(await totalJobs(service)).toBe(before + 3);
    });

    it('inserts nothing when one input names an unknown file (BAD_USER_INPUT)', async () => {
      const before = await totalJobs(service);
      const inputs = [{ fileId: txtFile }, { fileId: 'file-that-does-not-exist' }, { fileId: mdFile }];
      const error = await gqlError(service, ENQUEUE_JOBS, { inputs });
      expect(error.code).toBe('BAD_USER_INPUT');
      expect(error.message).toContain('file-that-does-not-exist');
      expect(error.data).toBeNull();
      expect(await totalJobs(service)).toBe(before);
    });
  });

  describe('idempotencyKey', () => {
    it('a second enqueueJob with the same key returns the first job and creates none', async () => {
      const first = await enqueue({ fileId: txtFile, idempotencyKey: 'key-single' });
      const before = await totalJobs(service);
      const second = await enqueue({ fileId: mdFile, priority: 'HIGH', idempotencyKey: 'key-single' });
      expect(second).toEqual(first);
      expect(await totalJobs(service)).toBe(before);
    });

    it('a key repeated inside enqueueJobs, or already used, yields one job per key', async () => {
      const known = await enqueue({ fileId: txtFile, idempotencyKey: 'key-known' });
      const before = await totalJobs(service);
      const jobs = await enqueueMany([
        { fileId: txtFile, idempotencyKey: 'key-batch' },
        { fileId: mdFile, idempotencyKey: 'key-batch' },
        { fileId: mdFile },
        { fileId: mdFile, idempotencyKey: 'key-known' },
      ]);
      const ids = jobs.map((job: any) => job.id);
      expect(ids[1]).toBe(ids[0]);
      expect(ids[3]).toBe(known.id);
      expect(new Set(ids).size).toBe(3);
      expect(jobs[1].fileId).toBe(txtFile);
      expect(await totalJobs(service)).toBe(before + 2);
    });

    it('concurrent enqueueJob calls with one key create exactly one job', async () => {
      const before = await totalJobs(service);
      const jobs = await Promise.all(
        Array.from({ length: 6 }, () => enqueue({ fileId: txtFile, idempotencyKey: 'key-race' })),
      );
      expect(new Set(jobs.map((job) => job.id)).size).toBe(1);
      expect(await totalJobs(service)).toBe(before + 1);
    });
  });

  describe('job(id)', () => {
    it('returns the job with its (empty) attempts', async () => {
      const created = await enqueue({ fileId: mdFile, priority: 'LOW' });
      const { job } = await gqlData(service, JOB, { id: created.id });
      expect(job).toEqual({ ...created, attempts: [] });
    });

    it('answers NOT_FOUND for an unknown id', async () => {
      const error = await gqlError(service, JOB, { id: 'no-such-job' });
      expect(error).toEqual({ code: 'NOT_FOUND', message: 'Job no-such-job not found', data: { job: null } });
    });
  });

  describe('invalid enqueueJob input is BAD_USER_INPUT and inserts nothing', () => {
    it.each([
      ['a negative maxRetries', { maxRetries: -1 }, 'maxRetries'],
      ['a maxRetries above 100', { maxRetries: 101 }, 'maxRetries'],
      ['an unknown fileId', { fileId: 'no-such-file' }, 'no-such-file'],
      ['options that are not an object', { options: [1, 2] }, 'options'],
      ['an out-of-range options.timeoutMs', { options: { timeoutMs: 0 } }, 'options.timeoutMs'],
      ['an empty idempotencyKey', { idempotencyKey: '' }, 'idempotencyKey'],
    ])('%s', async (_case, input, named) => {
      const before = await totalJobs(service);
      const error = await gqlError(service, ENQUEUE_JOB, { input: { fileId: txtFile, ...input } });
      expect(error.code).toBe('BAD_USER_INPUT');
      expect(error.message).toContain(named);
      expect(error.data).toBeNull();
      expect(await totalJobs(service)).toBe(before);
    });
  });

  describe('cancelJob and retryJob', () => {
    it('PENDING → cancel → CANCELLED; cancel again: CONFLICT; retry → PENDING; retry again: CONFLICT', async () => {
      const { id } = await enqueue({ fileId: txtFile });

      const cancelled = (await gqlData(service, CANCEL_JOB, { id })).cancelJob;
      expect(cancelled).toMatchObject({ id, status: 'CANCELLED', stage: 'QUEUED', completedAt: expect.any(String) });
      const again = await gqlError(service, CANCEL_JOB, { id });
      expect(again).toEqual({
        code: 'CONFLICT',
        message: `Job ${id} is CANCELLED and cannot be cancelled`,
        data: null,
      });

      const retried = (await gqlData(service, RETRY_JOB, { id })).retryJob;
      expect(retried).toMatchObject({
        id,
        status: 'PENDING',
        stage: 'QUEUED',
        progress: 0,
        completedAt: null,
        errorCode: null,
      });
      const retryPending = await gqlError(service, RETRY_JOB, { id });
      expect(retryPending).toEqual({
        code: 'CONFLICT',
        message: `Job ${id} is PENDING and cannot be retried`,
        data: null,
      });

      expect((await gqlData(service, JOB, { id })).job.status).toBe('PENDING');
    });

    describe('a running job that leaves PROCESSING while cancelJob reads it', () => {
      /** A job PROCESSING, then moved to `status` at the moment cancelJob records its request (a real interleaving). */
      async function runningJobThatBecomes(status: 'RETRYING' | 'COMPLETED') {
        const { id } = await enqueue({ fileId: txtFile });
        const records = service.prisma.driver.records;
        await records.overwriteJob(id, {
          status: 'PROCESSING',
          leaseOwner: 'worker-elsewhere',
          leaseExpiresAt: new Date(Date.now() + 60_000),
          startedAt: new Date(),
        });
        const requestCancel = records.requestCancel.bind(records);
        jest.spyOn(records, 'requestCancel').mockImplementationOnce(async (jobId) => {
          await records.overwriteJob(jobId, {
            status,
            leaseOwner: null,
            leaseExpiresAt: null,
            ...(status === 'RETRYING' ? { availableAt: new Date(Date.now() + 60_000) } : { completedAt: new Date() }),
          });
          return requestCancel(jobId);
        });
        return id;
      }

      it('ends a job that went back to RETRYING CANCELLED, not left to run again', async () => {
        const id = await runningJobThatBecomes('RETRYING');
        expect((await gqlData(service, CANCEL_JOB, { id })).cancelJob).toMatchObject({ id, status: 'CANCELLED' });
        expect((await gqlData(service, JOB, { id })).job.status).toBe('CANCELLED');
      });

      it('answers CONFLICT for a job that completed, as for any COMPLETED job', async () => {
        const id = await runningJobThatBecomes('COMPLETED');
        expect(await gqlError(service, CANCEL_JOB, { id })).toEqual({
          code: 'CONFLICT',
          message: `Job ${id} is COMPLETED and cannot be cancelled`,
          data: null,
        });
      });
    });

    it.each([
      ['cancelJob', CANCEL_JOB],
      ['retryJob', RETRY_JOB],
    ])('%s of an unknown id is NOT_FOUND', async (_name, mutation) => {
      const error = await gqlError(service, mutation, { id: 'no-such-job' });
      expect(error).toEqual({ code: 'NOT_FOUND', message: 'Job no-such-job not found', data: null });
    });
  });
});
