import { Injectable } from '@nestjs/common';
import {
  ANONYMOUS_ADMIN,
  FileProcessor,
  type FileProcessorHandler,
  JobPriority,
  JobsService,
  JobStatus,
  type ProcessingContext,
  type ProcessingOutput,
  WorkerPoolService,
} from '../../src/job-queue';
import { StalledJobsService } from '../../src/job-queue/monitoring/stalled-jobs.service';
import { createTestDatabase, databaseLabel, type TestDatabase } from '../support/database';
import { abortKind, jobState, storeFile } from '../support/queue-helpers';
import { observeFor } from '../support/signals';
import { startTestApp, type TestApp, waitFor } from '../support/test-app';

/** Each attempt of the job as its processor saw it: held until the test releases it. */
interface HeldAttempt {
  release: () => void;
  /** The kind of abort its signal got (JobAbort.kind), or null. */
  aborted: string | null;
  returned: boolean;
}

/**
 * A worker whose lease expired while its process lived on (an event loop stalled past the lease, a database out of
 * reach) may claim the recovered job again while its first attempt still runs in the same process, under the same
 * worker id. The first attempt then no longer holds the job: it is aborted at the new claim, and its outcome, should
 * it come anyway, is refused (the outcome statements match the attempt, not the worker alone). Before, the first
 * attempt's completion ended the job under the second attempt's lease, with the second attempt still running.
 */
describe(`A job its own worker claims again while the first attempt runs (${databaseLabel})`, () => {
  const attempts = new Map<number, HeldAttempt>();

  @Injectable()
  @FileProcessor('reclaimed')
  class HeldByAttempt implements FileProcessorHandler {
    async process({ job, signal }: ProcessingContext): Promise<ProcessingOutput> {
      let release: () => void = () => undefined;
      const released = new Promise<void>((resolve) => (release = resolve));
      const attempt: HeldAttempt = { release, aborted: null, returned: false };
      signal.addEventListener('abort', () => (attempt.aborted = abortKind(signal.reason)));
      attempts.set(job.attemptCount, attempt);
      await released; // it does not stop when its signal aborts
      attempt.returned = true;
      return { result: { attempt: job.attemptCount } };
    }
  }

  let database: TestDatabase;
  let service: TestApp;

  beforeAll(async () => {
    database = await createTestDatabase();
    // A long lease: no renewal (every 20 s) runs during the case and tells the first attempt it lost the job.
    service = await startTestApp(database, { providers: [HeldByAttempt], queue: { stalledJobThresholdMs: 60_000 } });
  });

  afterAll(async () => {
    for (const attempt of attempts.values()) attempt.release();
    await service?.close();
    await database?.drop();
  });

  it('stops the first attempt at the second claim, refuses its output, and completes the job with the second', async () => {
    const fileId = await storeFile(service.app, 'sample.reclaimed');
    const { id } = await service.app
      .get(JobsService)
      .enqueue({ fileId, priority: JobPriority.NORMAL, maxRetries: 3 }, ANONYMOUS_ADMIN);
    await waitFor(() => attempts.has(1));
    await service.prisma.driver.records.overwriteJob(id, { leaseExpiresAt: new Date(Date.now() - 60_000) });
    expect(await service.app.get(StalledJobsService).recover()).toBe(1);
    await waitFor(() => attempts.has(2), 15_000); // after the retry's backoff (~1 s)

    expect(attempts.get(1)!.aborted).toBe('lost');
    await waitFor(() => service.app.get(WorkerPoolService).activeJobIds.length === 1);
    expect(service.app.get(WorkerPoolService).activeJobIds).toEqual([id]);

    attempts.get(1)!.release();
    await waitFor(() => attempts.get(1)!.returned);
    const whileSecondRuns = await observeFor(300, async () => (await jobState(service.prisma.client, id)).status);
    expect(new Set(whileSecondRuns)).toEqual(new Set(['PROCESSING']));

    attempts.get(2)!.release();
    await waitFor(async () => (await jobState(service.prisma.client, id)).status === JobStatus.COMPLETED);
    const job = await service.prisma.client.processingJob.findUniqueOrThrow({ where: { id } });
    expect(job.result).toEqual({ attempt: 2 });
    expect((await jobState(service.prisma.client, id)).attempts).toMatchObject([
      { number: 1, outcome: 'RETRYING', finished: true },
      { number: 2, outcome: 'COMPLETED', finished: true },
    ]);
  });
});
