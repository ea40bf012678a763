import type { Settlement } from '../../../src/job-queue/database/queue-store';
import { type DriverUnderTest, jobClaimedTwice, jobOf, newJob } from '../../support/driver-harness';

const LEASE_MS = 30_000;
const WORKER = 'worker-a';
const IO_ERROR = { code: 'IO_ERROR', message: 'disk hiccup', recoverable: true };
const BAD_FILE = { code: 'CORRUPT_FILE', message: 'not a PDF', recoverable: false };
const CANCELLED = { code: 'CANCELLED', message: 'Cancelled by the user', recoverable: false };
const CANCELLED_WHILE_RUNNING = { code: 'CANCELLED', message: 'Cancelled while running', recoverable: false };

/** The outcome of a job's first attempt, unless `fields` say otherwise. */
const settlement = (jobId: string, fields: Partial<Settlement>): Settlement => ({
  jobId,
  attempt: 1,
  workerId: WORKER,
  outcome: 'FAILED',
  error: BAD_FILE,
  retryDelayMs: null,
  ...fields,
});

/**
 * settleMany (QueueStore): every column of the settled job is compared with the row before (what an outcome does not
 * write stays as it was), and the closed attempt row is read back (the one place these cases read job_attempts).
 */
export function settleManyCases(t: DriverUnderTest): void {
  const jobRow = (id: string) => jobOf(t, id);
  const attemptsOf = (jobId: string) =>
    t.db.jobAttempt.findMany({
      where: { jobId },
      select: { number: true, workerId: true, outcome: true, errorCode: true, errorMessage: true, manual: true },
    });

  /** `count` jobs held by WORKER mid-attempt: stage, progress and an earlier attempt's error on the row. */
  const heldJobs = async (count: number) => {
    const jobs = await t.driver.insertJobs(Array.from({ length: count }, () => newJob(t.fileId)));
    await t.driver.claim(WORKER, count, LEASE_MS);
    const ids = jobs.map((job) => job.id);
    await Promise.all(
      ids.map((id) =>
        t.driver.records.overwriteJob(id, {
          stage: 'EXTRACTING',
          progress: 40,
          bytesProcessed: 3n,
          errorCode: 'EARLIER',
          errorMessage: 'before',
        }),
      ),
    );
    return Promise.all(ids.map(jobRow));
  };

  /** Runs `settle`, checking that the timestamps it writes fall within the call. */
  const timed = async <T>(settle: () => Promise<T>) => {
    const before = Date.now() - 1000; // database clock against this process's: a 1 s margin for precision
    const result = await settle();
    const after = Date.now() + 1000;
    const within = (date: Date | null) => date !== null && date.getTime() >= before && date.getTime() <= after;
    return { result, within };
  };

  describe('settleMany', () => {
    it('RETRYING: error, retry count and times, due the delay after the commit, lease cleared; the rest as it was', async () => {
      const [job] = await heldJobs(1);
      await t.driver.records.overwriteJob(job.id, { nextAttemptManual: true });
      const { result, within } = await timed(() =>
        t.driver.settleMany([settlement(job.id, { outcome: 'RETRYING', error: IO_ERROR, retryDelayMs: 60_000 })]),
      );
      expect(result).toEqual(new Map([[job.id, 'RETRYING']]));
      const row = await jobRow(job.id);
      // By the database's clock, from the commit: lastRetryAt and nextRetryAt are the delay apart, to the millisecond.
      const retryAt = new Date(row.lastRetryAt!.getTime() + 60_000);
      expect(row).toEqual({
        ...job,
        status: 'RETRYING',
        errorCode: 'IO_ERROR',
        errorMessage: 'disk hiccup',
        errorRecoverable: true,
        retryCount: job.retryCount + 1,
        lastRetryAt: row.lastRetryAt,
        nextRetryAt: retryAt,
        availableAt: retryAt,
        nextAttemptManual: false,
        leaseOwner: null,
        leaseExpiresAt: null,
        updatedAt: row.updatedAt,
      });
      expect(within(row.lastRetryAt) && within(row.updatedAt)).toBe(true);
      expect(job).toMatchObject({ stage: 'EXTRACTING', progress: 40, completedAt: null }); // control: kept, not reset
    });

    it('FAILED: error, completed now, no next retry, lease cleared', async () => {
      const [job] = await heldJobs(1);
      await t.driver.records.overwriteJob(job.id, { nextRetryAt: new Date() });
      const { result, within } = await timed(() =>
        t.driver.settleMany([settlement(job.id, { outcome: 'FAILED', error: BAD_FILE })]),
      );
      expect(result).toEqual(new Map([[job.id, 'FAILED']]));
      const row = await jobRow(job.id);
      expect(row).toEqual({
        ...job,
        status: 'FAILED',
        errorCode: 'CORRUPT_FILE',
        errorMessage: 'not a PDF',
        errorRecoverable: false,
        completedAt: row.completedAt,
        nextRetryAt: null,
        leaseOwner: null,
        leaseExpiresAt: null,
        updatedAt: row.updatedAt,
      });
      expect(within(row.completedAt) && within(row.updatedAt)).toBe(true);
      expect(row.retryCount).toBe(job.retryCount); // control: a failure is not a retry
    });

    it("CANCELLED: completed now, lease cleared, the job's error columns as they were", async () => {
      const [job] = await heldJobs(1);
      const { result, within } = await timed(() =>
        t.driver.settleMany([settlement(job.id, { outcome: 'CANCELLED', error: CANCELLED })]),
      );
      expect(result).toEqual(new Map([[job.id, 'CANCELLED']]));
      const row = await jobRow(job.id);
      expect(row).toEqual({
        ...job,
        status: 'CANCELLED',
        completedAt: row.completedAt,
        leaseOwner: null,
        leaseExpiresAt: null,
        updatedAt: row.updatedAt,
      });
      expect(within(row.completedAt)).toBe(true);
      expect(row.errorCode).toBe('EARLIER');
    });

    it('INTERRUPTED (release): PENDING, QUEUED, progress reset, due now; the manual flag stays for the next attempt', async () => {
      const [job] = await heldJobs(1);
      await t.driver.records.overwriteJob(job.id, { nextAttemptManual: true });
      const { result, within } = await timed(() =>
        t.driver.settleMany([settlement(job.id, { outcome: 'INTERRUPTED', error: null })]),
      );
      expect(result).toEqual(new Map([[job.id, 'PENDING']]));
      const row = await jobRow(job.id);
      expect(row).toEqual({
        ...job,
        status: 'PENDING',
        stage: 'QUEUED',
        progress: 0,
        bytesProcessed: null,
        availableAt: row.availableAt,
        nextAttemptManual: true,
        leaseOwner: null,
        leaseExpiresAt: null,
        updatedAt: row.updatedAt,
      });
      expect(within(row.availableAt) && within(row.updatedAt)).toBe(true);
      expect(await t.driver.claim('worker-b', 1, LEASE_MS)).toHaveLength(1); // claimable again
    });

    it('leaves a job another worker holds, or that is no longer PROCESSING, untouched and out of the result', async () => {
      const [taken, done, kept] = await heldJobs(3);
      await t.driver.records.overwriteJob(taken.id, { leaseOwner: 'worker-b' });
      await t.driver.records.overwriteJob(done.id, { status: 'COMPLETED', leaseOwner: null });
      const before = await Promise.all([taken.id, done.id].map(jobRow));
      const result = await t.driver.settleMany([taken, done, kept].map((job) => settlement(job.id, {})));
      expect(result).toEqual(new Map([[kept.id, 'FAILED']])); // control: the held one is settled
      expect(await Promise.all([taken.id, done.id].map(jobRow))).toEqual(before);
      expect(await attemptsOf(taken.id)).toEqual([]);
      expect(await attemptsOf(done.id)).toEqual([]);
    });

    it("refuses an earlier attempt's outcome once the same worker claimed the job again", async () => {
      const second = await jobClaimedTwice(t, WORKER, LEASE_MS);
      const before = await jobRow(second.id);
      for (const outcome of ['FAILED', 'INTERRUPTED'] as const) {
        expect(await t.driver.settleMany([settlement(second.id, { outcome, attempt: 1 })])).toEqual(new Map());
      }
      expect(await jobRow(second.id)).toEqual(before);
      expect(await attemptsOf(second.id)).toEqual([]);
      // control: the attempt that holds the job settles it
      const result = await t.driver.settleMany([settlement(second.id, { attempt: 2 })]);
      expect(result).toEqual(new Map([[second.id, 'FAILED']]));
      expect(await attemptsOf(second.id)).toMatchObject([{ number: 2, outcome: 'FAILED' }]);
    });

    it("with onlyExpiredLeases, settles only jobs whose lease expired by the database's clock", async () => {
      const [expired, live] = await heldJobs(2);
      const now = Date.now();
      await t.driver.records.overwriteJob(expired.id, { leaseExpiresAt: new Date(now - 5000) });
      const result = await t.driver.settleMany(
        [expired, live].map((job) => settlement(job.id, { outcome: 'RETRYING', retryDelayMs: 0 })),
        true,
      );
      expect(result).toEqual(new Map([[expired.id, 'RETRYING']]));
      expect(await jobRow(live.id)).toEqual(live);
      expect(await attemptsOf(live.id)).toEqual([]);
    });

    it('ends a failure or release CANCELLED when the cancel was requested meanwhile; an explicit cancel keeps its error', async () => {
      const [failing, releasing, cancelling] = await heldJobs(3);
      const ids = [failing.id, releasing.id, cancelling.id];
      await Promise.all(ids.map((id) => t.driver.records.overwriteJob(id, { cancelRequestedAt: new Date() })));
      const result = await t.driver.settleMany([
        settlement(failing.id, { outcome: 'RETRYING', error: IO_ERROR, retryDelayMs: 0 }),
        settlement(releasing.id, { outcome: 'INTERRUPTED', error: null }),
        settlement(cancelling.id, { outcome: 'CANCELLED', error: CANCELLED }),
      ]);
      expect(result).toEqual(new Map(ids.map((id) => [id, 'CANCELLED'])));
      const failed = await jobRow(failing.id);
      expect(failed).toMatchObject({ status: 'CANCELLED', retryCount: 0, errorCode: 'EARLIER', stage: 'EXTRACTING' });
      expect(failed.completedAt).toBeInstanceOf(Date);
      expect(await jobRow(releasing.id)).toMatchObject({ status: 'CANCELLED', progress: 40 });
      const closed = (jobId: string, error: typeof CANCELLED) => [
        {
          number: 1,
          workerId: WORKER,
          outcome: 'CANCELLED',
          errorCode: error.code,
          errorMessage: error.message,
          manual: false,
        },
      ];
      expect(await attemptsOf(failing.id)).toEqual(closed(failing.id, CANCELLED_WHILE_RUNNING));
      expect(await attemptsOf(releasing.id)).toEqual(closed(releasing.id, CANCELLED_WHILE_RUNNING));
      expect(await attemptsOf(cancelling.id)).toEqual(closed(cancelling.id, CANCELLED));
    });

    it('writes the closed attempt row: number, worker, outcome, error, the manual flag the job had, start and finish', async () => {
      const [manual, plain] = await heldJobs(2);
      await t.driver.records.overwriteJob(manual.id, { nextAttemptManual: true });
      const long = { ...IO_ERROR, message: 'x'.repeat(5000) };
      const { within } = await timed(() =>
        t.driver.settleMany([
          settlement(manual.id, { outcome: 'RETRYING', error: long, retryDelayMs: 0 }),
          settlement(plain.id, { outcome: 'INTERRUPTED', error: null }),
        ]),
      );
      expect(await attemptsOf(manual.id)).toEqual([
        {
          number: 1,
          workerId: WORKER,
          outcome: 'RETRYING',
          errorCode: 'IO_ERROR',
          errorMessage: 'x'.repeat(4000),
          manual: true,
        },
      ]);
      expect(await attemptsOf(plain.id)).toEqual([
        { number: 1, workerId: WORKER, outcome: 'INTERRUPTED', errorCode: null, errorMessage: null, manual: false },
      ]);
      expect((await jobRow(manual.id)).errorMessage).toBe('x'.repeat(4000));
      const attempt = await t.db.jobAttempt.findFirstOrThrow({ where: { jobId: manual.id } });
      expect(attempt.startedAt).toEqual(manual.startedAt);
      expect(within(attempt.finishedAt)).toBe(true);
    });

    it('closes a row an older version opened at the claim instead of writing another', async () => {
      const [job] = await heldJobs(1);
      await t.db.jobAttempt.create({
        data: {
          id: `${job.id}:1`,
          jobId: job.id,
          number: 1,
          workerId: WORKER,
          startedAt: job.startedAt!,
          manual: false,
        },
      });
      await t.driver.settleMany([settlement(job.id, { outcome: 'FAILED', error: BAD_FILE })]);
      expect(await attemptsOf(job.id)).toEqual([
        {
          number: 1,
          workerId: WORKER,
          outcome: 'FAILED',
          errorCode: 'CORRUPT_FILE',
          errorMessage: 'not a PDF',
          manual: false,
        },
      ]);
    });

    it('settles a batch mixing outcomes and workers in one call', async () => {
      const [retrying, failed, cancelled, released, other] = await heldJobs(5);
      await t.driver.records.overwriteJob(other.id, { leaseOwner: 'worker-b' });
      const result = await t.driver.settleMany([
        settlement(retrying.id, { outcome: 'RETRYING', error: IO_ERROR, retryDelayMs: 0 }),
        settlement(failed.id, { outcome: 'FAILED', error: BAD_FILE }),
        settlement(cancelled.id, { outcome: 'CANCELLED', error: CANCELLED }),
        settlement(released.id, { outcome: 'INTERRUPTED', error: null }),
        settlement(other.id, { workerId: 'worker-b', outcome: 'RETRYING', error: IO_ERROR, retryDelayMs: 0 }),
      ]);
      const expected = new Map([
        [retrying.id, 'RETRYING'],
        [failed.id, 'FAILED'],
        [cancelled.id, 'CANCELLED'],
        [released.id, 'PENDING'],
        [other.id, 'RETRYING'],
      ]);
      expect(result).toEqual(expected);
      for (const [id, status] of expected) expect((await jobRow(id)).status).toBe(status);
      expect(await t.db.jobAttempt.count()).toBe(5);
      expect(await t.driver.settleMany([])).toEqual(new Map());
    });
  });
}
