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
});
