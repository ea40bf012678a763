import { Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import {
  ANONYMOUS_ADMIN,
  FileProcessor,
  FileStorageService,
  JobsService,
  RecoverableError,
  type FileProcessorHandler,
  type ProcessingContext,
} from '../../src/job-queue';
import { withClockOffBy } from '../support/clock';
import { describePostgres } from '../support/database';
import { insertJob } from '../support/fixtures';
import { type TestApp, useTestApp, waitFor } from '../support/test-app';

/** Fails a job's first attempt recoverably, then succeeds. */
@Injectable()
@FileProcessor('skewtest')
class FailsOnceProcessor implements FileProcessorHandler {
  static calls = new Map<string, number>();

  process({ job }: ProcessingContext) {
    const call = (FailsOnceProcessor.calls.get(job.id) ?? 0) + 1;
    FailsOnceProcessor.calls.set(job.id, call);
    if (call === 1 && (job.options as { failOnce?: boolean } | null)?.failOnce)
      throw new RecoverableError('IO_ERROR', 'disk hiccup');
    return Promise.resolve({ result: { call } });
  }
}

const JOB_QUERY = `query($id: ID!) { job(id: $id) {
  status createdAt lastRetryAt nextRetryAt attempts { startedAt finishedAt outcome } } }`;

/**
 * Instances on several machines share one PostgreSQL, and their clocks need not agree with its clock, which keeps
 * the due times and leases (the claim compares them with its now()). Each case runs this instance with its clock
 * (Date alone) a minute or two off and checks that nothing it decides goes by that clock. SQLite has no clock of its
 * own: its instances share one machine's.
 */
describePostgres("An instance whose clock disagrees with PostgreSQL's", () => {
  let service: TestApp;
  let fileId: string;
  // The fallback poll is a minute: a job that waits for it has been missed, not delayed.
  useTestApp(
    { providers: [FailsOnceProcessor], queue: { pollIntervalMs: 60_000, healthCheckIntervalMs: 3_600_000 } },
    (started) => ({ service } = started),
  );

  beforeAll(async () => {
    const file = await service.app
      .get(FileStorageService)
      .store(Readable.from(['payload']), 'sample.skewtest', ANONYMOUS_ADMIN);
    fileId = file.id;
  });

  const enqueue = (failOnce: boolean) =>
    service.app
      .get(JobsService)
      .enqueue({ fileId, priority: 'NORMAL' as never, options: { failOnce } }, ANONYMOUS_ADMIN);
  const completed = (id: string) =>
    waitFor(async () => {
      const { data } = await service.gql(JOB_QUERY, { id });
      return data.job.status === 'COMPLETED' ? data.job : null;
    }, 10_000);
  const gapMs = (from: string, to: string) => Date.parse(to) - Date.parse(from);

  it('runs a job it enqueues at once when its clock runs a minute ahead', async () => {
    const job = await withClockOffBy(60_000, async () => completed((await enqueue(false)).id));
    expect(job.attempts).toHaveLength(1);
  });

  it("dates the jobs it enqueues by the database's clock when its clock runs a minute behind", async () => {
    const realNow = Date.now();
    const job = await withClockOffBy(-60_000, () => enqueue(false));
    const stored = await service.prisma.client.processingJob.findUniqueOrThrow({ where: { id: job.id } });
    // Jobs of one priority run oldest first: by this instance's clock it would jump a minute of others' jobs.
    expect(Math.abs(job.createdAt.getTime() - realNow)).toBeLessThan(30_000);
    expect([stored.createdAt, stored.availableAt]).toEqual([job.createdAt, job.createdAt]);
    await completed(job.id);
  });

  it('waits out the backoff, no more, when its clock runs a minute behind', async () => {
    const job = await withClockOffBy(-60_000, async () => completed((await enqueue(true)).id));
    const [first, second] = job.attempts;
    // 1 s ± 10 % after the failure committed, and long before the minute's poll: the wait is the database's too.
    expect(gapMs(first.finishedAt, second.startedAt)).toBeGreaterThanOrEqual(900);
    expect(gapMs(first.finishedAt, second.startedAt)).toBeLessThan(2_500);
    expect(gapMs(job.lastRetryAt, job.nextRetryAt)).toBeGreaterThanOrEqual(900);
    expect(gapMs(job.lastRetryAt, job.nextRetryAt)).toBeLessThanOrEqual(1_100);
  });

  it('takes no live job for stalled when its clock runs two minutes ahead', async () => {
    const db = service.prisma.client;
    const aliveId = await insertJob(db, { format: 'ghost', status: 'PROCESSING', leaseExpiresInMs: 60_000 });
    await withClockOffBy(120_000, async () => {
      expect((await service.gql(`{ stalledJobs { id } }`)).data.stalledJobs).toEqual([]);
      expect((await service.gql(`mutation { recoverStalledJobs }`)).data.recoverStalledJobs).toBe(0);
    });
    expect((await db.processingJob.findUniqueOrThrow({ where: { id: aliveId } })).status).toBe('PROCESSING');
    await db.processingJob.delete({ where: { id: aliveId } });
  });

  it("reads the queue's health by the database's clock when its clock runs two minutes ahead", async () => {
    const db = service.prisma.client;
    const ids = [
      await insertJob(db, { format: 'ghost', status: 'PROCESSING', leaseExpiresInMs: 60_000 }),
      await insertJob(db, { format: 'ghost', status: 'PENDING', availableInMs: 60_000 }),
    ];
    const realNow = Date.now();
    const health = await withClockOffBy(
      120_000,
      async () =>
        (await service.gql(`{ queueHealth { status stalledCount oldestPendingAgeMs checkedAt } }`)).data.queueHealth,
    );
    // By this instance's clock the lease ran out a minute ago and the pending job has waited a minute.
    expect(health).toMatchObject({ status: 'HEALTHY', stalledCount: 0, oldestPendingAgeMs: null });
    expect(Math.abs(Date.parse(health.checkedAt) - realNow)).toBeLessThan(30_000);
    await db.processingJob.deleteMany({ where: { id: { in: ids } } });
  });

  it('runs a job retried by hand at once when its clock runs a minute ahead', async () => {
    const failedId = await insertJob(service.prisma.client, {
      format: 'skewtest',
      fileId,
      status: 'FAILED',
      errorCode: 'IO_ERROR',
      startedAgoMs: 2_000,
      completedAgoMs: 1_000,
    });
    await withClockOffBy(60_000, async () => {
      expect((await service.gql(`mutation($id: ID!) { retryJob(id: $id) { status } }`, { id: failedId })).data).toEqual(
        { retryJob: { status: 'PENDING' } },
      );
    });
    expect((await completed(failedId)).status).toBe('COMPLETED');
  });

  it("stamps a cancel with the database's time when its clock runs two hours ahead", async () => {
    const db = service.prisma.client;
    const waitingId = await insertJob(db, { format: 'ghost', status: 'PENDING', availableInMs: 3_600_000 });
    const runningId = await insertJob(db, { format: 'ghost', status: 'PROCESSING', leaseExpiresInMs: 60_000 });
    const realNow = Date.now();
    await withClockOffBy(2 * 3_600_000, async () => {
      const CANCEL = `mutation($id: ID!) { cancelJob(id: $id) { status } }`;
      expect((await service.gql(CANCEL, { id: waitingId })).data.cancelJob.status).toBe('CANCELLED');
      // No worker holds the fixture: the request is recorded and the answer comes after the cancel's wait.
      expect((await service.gql(CANCEL, { id: runningId })).data.cancelJob.status).toBe('PROCESSING');
    });
    const waiting = await db.processingJob.findUniqueOrThrow({ where: { id: waitingId } });
    const running = await db.processingJob.findUniqueOrThrow({ where: { id: runningId } });
    for (const at of [waiting.completedAt!, waiting.updatedAt, running.cancelRequestedAt!, running.updatedAt])
      expect(Math.abs(at.getTime() - realNow)).toBeLessThan(30_000);
    await db.processingJob.deleteMany({ where: { id: { in: [waitingId, runningId] } } });
  });

  describe('the windows back from now', () => {
    const TWO_HOURS_MS = 2 * 3_600_000;
    let justCompletedId: string;
    beforeAll(async () => {
      justCompletedId = await insertJob(service.prisma.client, {
        format: 'ghost',
        status: 'COMPLETED',
        startedAgoMs: 2_000,
        completedAgoMs: 1_000,
      });
    });
    afterAll(() => service.prisma.client.processingJob.deleteMany({ where: { id: justCompletedId } }));

    it("counts the last hour's completions by the database's clock when its clock runs two hours ahead", async () => {
      const STATS = `{ jobStats { throughput { lastHour last24Hours } } }`;
      const onTime = (await service.gql(STATS)).data.jobStats.throughput;
      const skewed = await withClockOffBy(TWO_HOURS_MS, async () => (await service.gql(STATS)).data.jobStats);
      expect(onTime.lastHour).toBeGreaterThanOrEqual(1); // (control) the job a second ago is in the window
      expect(skewed.throughput).toEqual(onTime);
    });

    it("charts the last hour's outcomes by the database's clock when its clock runs two hours ahead", async () => {
      const SERIES = `{ jobOutcomes(hours: 1, bucketMinutes: 60) { start completed } }`;
      const onTime = (await service.gql(SERIES)).data.jobOutcomes;
      const skewed = await withClockOffBy(TWO_HOURS_MS, async () => (await service.gql(SERIES)).data.jobOutcomes);
      expect(onTime[0].completed).toBeGreaterThanOrEqual(1);
      expect(skewed).toHaveLength(1);
      expect(skewed[0].completed).toBe(onTime[0].completed);
      expect(Math.abs(Date.parse(skewed[0].start) - Date.parse(onTime[0].start))).toBeLessThan(30_000);
    });

    it('keeps a job finished a second ago from a one-hour cleanup when its clock runs two hours ahead', async () => {
      const db = service.prisma.client;
      // (control) a job finished two hours ago by the database's clock is past the window, and goes
      const oldId = await insertJob(db, { format: 'ghost', status: 'COMPLETED', completedAgoMs: TWO_HOURS_MS });
      const cleaned = await withClockOffBy(
        TWO_HOURS_MS,
        async () => (await service.gql(`mutation { cleanupJobs(olderThanHours: 1) }`)).data.cleanupJobs,
      );
      expect(cleaned).toBe(1);
      expect(await db.processingJob.count({ where: { id: oldId } })).toBe(0);
      expect(await db.processingJob.count({ where: { id: justCompletedId } })).toBe(1);
    });
  });
});
